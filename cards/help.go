package cards

import "strings"

// Command describes a chat command for the help card.
type Command struct {
	Name    string   // "/lead"
	Aliases []string // Chinese aliases, "/线索"
	ZH, EN  string   // what it does
	Example string   // one typical use
}

// Commands returns the chat commands in the order the help card lists them.
func Commands() []Command {
	return []Command{
		{"/lead", []string{"/线索"}, "录入一条线索（姓名、手机或邮箱、备注）；不带参数会打开表单；/lead 123 查看线索 #123 的跟进记录", "Add a lead (name, phone or email, note); with no arguments it opens a form; /lead 123 shows lead #123's history",
			"/lead 张三 13812345678 想了解企业版"},
		{"/my", []string{"/我的"}, "我负责的线索", "Leads I own", "/my"},
		{"/pool", []string{"/公海"}, "公海里等待认领的线索", "Leads waiting in the pool", "/pool"},
		{"/insight", []string{"/洞察"}, "（运营频道）给客户、活动或来源添加标签和洞察", "(ops channels) Add tags and a note to a customer, campaign or source",
			"/insight campaign:双11 #预算充足 大部分来自华东制造业"},
		{"/insights", []string{"/查看洞察"}, "查看客户或活动的洞察", "List the insights on a customer or campaign", "/insights campaign:双11"},
		{"/digest", []string{"/周报"}, "线索周报（主管）：本周至今、上周或指定周", "Lead digest (managers): this week so far, last week or a given week",
			"/digest east last week"},
		{"/team", []string{"/团队"}, "团队概况（主管）：每人在跟、逾期、待首次联系、本周认领和赢单", "Team overview (managers): each rep's open, overdue, awaiting first contact, this week's claims and wins",
			"/team"},
		{"/route", []string{"/路由"}, "查看一条线索会进入哪个线索池、分给谁", "Explain which pool and rep a lead would go to",
			"/route source=web-form campaign=双11"},
		{"/away", []string{"/请假"}, "暂停自动分配给我", "Pause automatic assignment to me", "/away"},
		{"/back", []string{"/回来"}, "恢复自动分配", "Resume automatic assignment", "/back"},
		{"/help", []string{"/帮助"}, "显示本帮助", "Show this help", "/help"},
	}
}

// Help is the help card: every command in Chinese and English, with an example each.
func Help() []byte {
	return newCard("Baton 使用帮助", "Baton help", newHeader("Baton 使用帮助", "Baton help", colorTurq), helpElems()...)
}

func helpElems() []any {
	cmds := Commands()
	elems := make([]any, 0, len(cmds)+1)
	for _, c := range cmds {
		names := c.Name
		if len(c.Aliases) > 0 {
			names += " · " + strings.Join(c.Aliases, " · ")
		}
		elems = append(elems, md(
			"**"+names+"**　"+c.ZH+"\n示例：`"+c.Example+"`",
			"**"+names+"**　"+c.EN+"\nExample: `"+c.Example+"`"))
	}
	return append(elems, noteDiv("在群里使用时请先 @机器人；私聊可直接发送命令。", "In a group, @mention the bot first; in a direct chat just send the command."))
}

// CommandError answers a command Baton could not understand: what went wrong, an example of the right
// form, and the full command list. The messages may quote what the user typed, so they stay plain text.
func CommandError(zhMsg, enMsg, example string) []byte {
	elems := []any{plainDiv(cleanBlock(zhMsg), cleanBlock(enMsg))}
	if ex := cleanBlock(example); ex != "" {
		elems = append(elems, md("**示例**", "**Example**"), plainDiv(same(ex)))
	}
	elems = append(elems, hr{Tag: "hr"})
	elems = append(elems, helpElems()...)
	sumZH, sumEN := clip(cleanLine(zhMsg), 40), clip(cleanLine(enMsg), 60)
	return newCard(sumZH, sumEN, newHeader("命令有误", "Command not understood", colorOrange), elems...)
}

// Text is a tiny card with one bilingual line, for confirmations.
func Text(zh, en string) []byte {
	zh, en = cleanBlock(zh), cleanBlock(en)
	return newCard(clip(cleanLine(zh), 40), clip(cleanLine(en), 60), nil, plainDiv(zh, en))
}
