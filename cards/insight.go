package cards

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// InsightExample is the /insight example the help and error cards show.
const InsightExample = "/insight 13800138000 #价格敏感 #决策人是CFO 关注交付周期\n/insight campaign:双11 #预算充足 大部分来自华东制造业"

// maxListedInsights caps the /insights card.
const maxListedInsights = 20

// InsightForm is the /insight form: the target as the command takes it, tags and a note.
func InsightForm() []byte {
	f := newForm("form_insight", "insight",
		textInput("if_target", "target", "客户手机号 / 邮箱 / #线索编号 / 公司名，或 campaign:活动名",
			"Customer phone / email / #lead / company, or campaign:NAME", 140),
		textInput("if_tags", "tags", "标签，用空格或逗号分隔：价格敏感 决策人是CFO", "Tags, separated by spaces or commas", 300),
		// Lark caps an input at 1,000 characters; longer notes still fit through the /insight command.
		input{Tag: "input", ElementID: "if_note", Name: "note",
			Placeholder: plain("说明（可选，最多 1000 字）", "Note (optional, up to 1,000 characters)"),
			InputType:   "multiline_text", MaxLength: maxInputLength},
		submitButton("if_submit", "insight_submit", "提交", "Submit", Action{Op: OpInsightForm}),
	)
	return newCard("记录客户洞察", "New insight", newHeader("记录客户洞察", "New insight", colorIndigo),
		noteDiv("销售会在该客户（或该活动的每条线索）的卡片上看到标签和说明。",
			"Reps see the tags and note on the cards of this customer, or of every lead from the campaign."), f)
}

// InsightPick asks which customer an insight (or, for /insights, a listing) is about when several match.
// insightID is the pending insight to file; 0 means the buttons list the picked customer's insights.
// The phone stays masked: the card is posted in a group.
func InsightPick(matches []crm.CustomerMatch, insightID int64) []byte {
	elems := []any{md("有多位客户符合，请选择：", "Several customers match; pick one:")}
	shown := 0
	for _, m := range matches {
		if m.Customer == nil || shown == crm.MaxInsightCandidates {
			continue
		}
		shown++
		args := map[string]string{"customer": strconv.FormatInt(m.Customer.ID, 10)}
		zh, en := "就是这位", "This one"
		if insightID > 0 {
			args["insight"] = strconv.FormatInt(insightID, 10)
		} else {
			zh, en = "查看洞察", "Show insights"
		}
		b := actionButton("pick_"+strconv.Itoa(shown), zh, en, btnDefault, Action{Op: OpInsightPick, Args: args})
		lineZH, lineEN := matchLine(m)
		elems = append(elems, row(plainDiv(lineZH, lineEN), b))
	}
	if len(matches) > shown {
		elems = append(elems, noteDiv("还有更多客户符合，请改用手机号、邮箱或线索编号（#123）",
			"More customers match; use a phone number, an email or a lead number (#123) instead"))
	}
	return newCard("请选择客户", "Which customer?", newHeader("是哪一位客户？", "Which customer?", colorOrange), elems...)
}

// matchLine tells candidates apart: name, company, masked phone and newest lead.
func matchLine(m crm.CustomerMatch) (string, string) {
	c := m.Customer
	var parts []string
	if n := cleanLine(c.Name); n != "" {
		parts = append(parts, n)
	}
	if co := cleanLine(c.Company); co != "" {
		parts = append(parts, co)
	}
	if c.Phone != "" {
		parts = append(parts, crm.MaskPhone(c.Phone))
	} else if c.Email != "" {
		parts = append(parts, crm.MaskEmail(c.Email))
	}
	zh, en := strings.Join(parts, " · "), strings.Join(parts, " · ")
	if m.LeadID > 0 {
		zh += fmt.Sprintf(" · 线索 #%d", m.LeadID)
		en += fmt.Sprintf(" · lead #%d", m.LeadID)
	}
	return zh, en
}

// targetName names what an insight is about, for headers and confirmations.
func targetName(t crm.InsightTarget, c *crm.Customer) (string, string) {
	switch {
	case t.Campaign != "":
		n := cleanLine(t.Campaign)
		return "活动「" + n + "」", "campaign " + n
	case t.Source != "":
		n := cleanLine(t.Source)
		return "来源「" + n + "」", "source " + n
	case c != nil:
		name := cleanLine(c.Name)
		if name == "" {
			name = cleanLine(c.Company)
		} else if co := cleanLine(c.Company); co != "" {
			name += "（" + co + "）"
		}
		if name == "" {
			name = crm.MaskPhone(c.Phone)
		}
		return "客户 " + name, "customer " + name
	}
	return "客户", "customer"
}

// InsightSaved confirms a filed insight: what it is about, its tags and note.
func InsightSaved(in *crm.Insight, c *crm.Customer) []byte {
	if in == nil {
		return Text("已记录洞察", "Insight saved")
	}
	zh, en := targetName(in.Target, c)
	elems := []any{plainDiv("已记录到"+zh, "Saved for "+en)}
	if body := insightBody(*in); body != "" {
		elems = append(elems, plainDiv(same(body)))
	}
	hint, hintEN := "销售会在该客户的线索卡片上看到。", "Reps will see it on this customer's lead cards."
	switch {
	case in.Target.Campaign != "":
		hint, hintEN = "销售会在这个活动的每条线索卡片上看到。", "Reps will see it on every lead from this campaign."
	case in.Target.Source != "":
		hint, hintEN = "销售会在这个来源的每条线索卡片上看到。", "Reps will see it on every lead from this source."
	}
	elems = append(elems, noteDiv(hint, hintEN))
	return newCard(clip("已记录洞察："+zh, 40), clip("Insight saved: "+en, 60),
		newHeader("已记录洞察", "Insight saved", colorGreen), elems...)
}

// insightBody is an insight as literal text: "[tag, tag] note".
func insightBody(in crm.Insight) string {
	body := clip(sanitize(in.Note, true), maxInsight)
	if tags := tagList(in.Tags); tags != "" {
		body = strings.TrimSpace("[" + tags + "] " + body)
	}
	return body
}

// InsightList answers /insights: the target's tags (for a customer) and its insights, newest first, each
// with its author and time.
func InsightList(l *crm.InsightListing, now time.Time, loc *time.Location) []byte {
	if l == nil {
		return Text("暂无洞察", "No insights")
	}
	zh, en := targetName(l.Target, l.Customer)
	var elems []any
	if l.Customer != nil {
		if tags := tagList(l.Customer.Tags); tags != "" {
			elems = append(elems, plainDiv("标签："+tags, "Tags: "+tags))
		}
	}
	shown := l.Insights[:min(len(l.Insights), maxListedInsights)]
	for _, in := range shown {
		who, whoEN := mention(in.AuthorID), mention(in.AuthorID)
		if who == "" {
			who, whoEN = "运营", "Ops"
		}
		at := clock(in.CreatedAt, now, loc)
		elems = append(elems, md(who+" · "+at, whoEN+" · "+at))
		if body := insightBody(in); body != "" {
			elems = append(elems, plainDiv(same(body)))
		}
	}
	if len(shown) == 0 {
		elems = append(elems, plainDiv("暂无洞察", "No insights yet"))
	}
	n := strconv.Itoa(len(l.Insights))
	return newCard(clip("洞察："+zh, 40)+"（"+n+"）", clip("Insights: "+en, 60)+" ("+n+")",
		newHeader("洞察 · "+zh, "Insights · "+en, colorIndigo), elems...)
}
