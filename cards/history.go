package cards

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/baton-crm/baton/crm"
)

// How much history each card shows. The owner card shows the newest notes and folds the next ones into a
// collapsible panel; the history card shows everything that fits Lark's 30 KB.
const (
	notesShown    = 3    // notes shown open on the owner card
	notesFolded   = 7    // further notes folded into the panel, room allowing
	notesManager  = 3    // notes on a manager's escalation card
	maxNoteShown  = 200  // characters of one note on a card; Baton keeps the whole text
	historyBudget = 9000 // bytes of entry text on the history card: each text travels three times (content, zh, en) and JSON-quoted again in the message body
	historyMax    = 80   // entries on the history card (two components each, under Lark's 200)
)

// collapsiblePanel folds secondary content (JSON 2.0):
// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/containers/collapsible-panel
type collapsiblePanel struct {
	Tag       string      `json:"tag"`
	ElementID string      `json:"element_id,omitempty"`
	Expanded  bool        `json:"expanded"`
	Header    panelHeader `json:"header"`
	Elements  []any       `json:"elements"`
}

type panelHeader struct {
	Title text `json:"title"`
}

// historySection is what the owner card shows of the lead's history: the latest quality verdict, the
// newest notes (from this owner and the owners before) and a button for the whole timeline. before is the
// card's body so far: notes take only the room the rest of the card leaves under Lark's 30 KB. A retired
// card (the lead left this owner) shows none of it: its reader may no longer see the history.
func historySection(v crm.LeadView, before []any) []any {
	if v.Lead == nil || v.Retired {
		return nil
	}
	var out []any
	if q, ok := verdictLine(v); ok {
		out = append(out, q)
	}
	var notes []crm.HistoryEntry
	for _, n := range crm.Notes(v.History) {
		if n.Kind != crm.EventCreated { // the intake note is among the card's fields already
			notes = append(notes, n)
		}
	}
	if len(notes) > 0 {
		room := ownerCardRoom(v, before) - jsonLen(out)
		left := len(notes)
		fit := func(ns []crm.HistoryEntry) []any {
			var elems []any
			for _, n := range ns {
				e := noteElems(v, []crm.HistoryEntry{n}, false)
				if room -= jsonLen(e); room < 0 {
					break
				}
				elems, left = append(elems, e...), left-1
			}
			return elems
		}
		out = append(out, md(fmt.Sprintf("**跟进记录（%d）**", len(notes)), fmt.Sprintf("**Notes (%d)**", len(notes))))
		out = append(out, fit(notes[:min(notesShown, len(notes))])...)
		if rest := notes[min(notesShown, len(notes)):]; len(rest) > 0 && room > 0 {
			if folded := fit(rest[:min(notesFolded, len(rest))]); len(folded) > 0 {
				panel := collapsiblePanel{Tag: "collapsible_panel", ElementID: "notes_more",
					Header:   panelHeader{Title: plain(fmt.Sprintf("更早的 %d 条记录", len(rest)), fmt.Sprintf("%d earlier notes", len(rest)))},
					Elements: folded}
				out = append(out, panel)
			}
		}
		if left > 0 {
			out = append(out, noteDiv(fmt.Sprintf("还有 %d 条，点「历史」查看全部", left), fmt.Sprintf("%d more: tap History to see them all", left)))
		}
	}
	if len(out) > 0 {
		out = append([]any{hr{Tag: "hr"}}, out...)
	}
	return append(out, historyButton(v))
}

// ownerCardBytes is what an owner card may weigh before it is JSON-quoted into a message body, whose limit
// is 30 KB (https://open.feishu.cn/document/server-docs/im-v1/message/create): quoting adds about a tenth.
const ownerCardBytes = 25 * 1024

// ownerCardRoom is how many bytes of notes fit on the owner card, given the body before the notes and what
// follows them (status, the work forms, the footer), plus the header and config.
func ownerCardRoom(v crm.LeadView, before []any) int {
	after := append([]any{hr{Tag: "hr"}, status(v)}, workActions(v)...)
	used := jsonLen(before) + jsonLen(after) + jsonLen(leadHeader(v, colorIndigo)) + 1500 // config, summary, footer, the section's own lines
	return ownerCardBytes - used
}

// jsonLen is the encoded size of card elements.
func jsonLen(x any) int {
	b, err := json.Marshal(x)
	if err != nil {
		return 0
	}
	return len(b)
}

// managerNotes is what a manager's card (an escalation) shows of the lead's history: the newest notes with
// phone numbers and emails masked, and the button for the whole timeline.
func managerNotes(v crm.LeadView) []any {
	if v.Lead == nil {
		return nil
	}
	var out []any
	if q, ok := verdictLine(v); ok {
		out = append(out, q)
	}
	if notes := crm.Notes(v.History); len(notes) > 0 {
		out = append(out, md(fmt.Sprintf("**最近跟进（共 %d 条）**", len(notes)), fmt.Sprintf("**Latest notes (%d in all)**", len(notes))))
		out = append(out, noteElems(v, notes[:min(notesManager, len(notes))], true)...)
	}
	return append(out, historyButton(v))
}

func historyButton(v crm.LeadView) button {
	return actionButton("history", "历史记录", "History", btnDefault, lead(v, OpHistory))
}

// verdictLine shows the newest quality verdict with who gave it and when.
func verdictLine(v crm.LeadView) (markdown, bool) {
	q, ok := crm.LatestQuality(v.History)
	names, known := qualityNames[crm.Quality(q.Data["quality"])]
	if !ok || !known {
		return markdown{}, false
	}
	zhWho, enWho := who(q.ActorID)
	at := clock(q.At, v.Now, v.Location)
	return md("**质量反馈**："+names[0]+" · "+zhWho+" · "+at, "**Lead quality**: "+names[1]+" · "+enWho+" · "+at), true
}

// noteElems renders notes: author and time in markdown (a mention is markdown), the words in plain text
// below, because a person typed them.
func noteElems(v crm.LeadView, notes []crm.HistoryEntry, mask bool) []any {
	out := make([]any, 0, 2*len(notes))
	for _, n := range notes {
		zhWho, enWho := who(n.ActorID)
		at := clock(n.At, v.Now, v.Location)
		zh, en := "跟进记录", "Note"
		switch n.Kind {
		case crm.EventTouch:
			zh, en = "新触达", "New touch"
		case crm.EventCreated:
			zh, en = "录入", "Entered"
		}
		out = append(out, md(zhWho+" · "+at+" · "+zh, enWho+" · "+at+" · "+en))
		if body := noteText(n.Text, mask); body != "" {
			out = append(out, plainDiv(same(body)))
		}
	}
	return out
}

func noteText(s string, mask bool) string {
	if mask {
		s = crm.MaskContacts(s)
	}
	return clip(sanitize(s, true), maxNoteShown)
}

// who names a person by mention, or Baton itself when the entry has no person.
func who(openID string) (string, string) {
	if m := mention(openID); m != "" {
		return m, m
	}
	return "系统", "Baton"
}

// touchNote is what came with a returning customer's arrival, for the owner's touch DM: the note (masked,
// as event cards may be read by others) and who entered it.
func touchNote(v crm.LeadView, e crm.LeadEvent) []any {
	var t *crm.Touch
	for i := range v.Touches {
		if strconv.FormatInt(v.Touches[i].ID, 10) == e.Data["touch"] {
			t = &v.Touches[i]
		}
	}
	if t == nil {
		return nil
	}
	var out []any
	if m := mention(t.AuthorID); m != "" {
		out = append(out, md("录入人 "+m, "Entered by "+m))
	}
	if body := noteText(t.Note, true); body != "" {
		out = append(out, plainDiv("备注："+body, "Note: "+body))
	}
	return out
}

// HistoryCard is a lead's whole history as one card: every note, stage move, follow-up date, quality
// verdict, reveal and change of hands, newest first, each with who and when. h.Masked (a reader other than
// the owner) masks phone numbers and emails in the notes; the lead's own contact is always masked here.
func HistoryCard(h *crm.LeadHistory) []byte {
	v := h.View
	if v.Lead == nil {
		return missingLead()
	}
	name, nameEN := customerName(v)
	hd := newHeader("跟进记录："+name, "History: "+nameEN, colorBlue)
	sub := fmt.Sprintf("#%d", v.Lead.ID)
	if p := poolName(v); p != "" {
		sub += " · " + p
	}
	s := plain(same(sub))
	hd.Subtitle = &s
	elems := brief(v)
	if v.Lead.Owned() {
		elems = append(elems, ownerLine(v, "负责人 %s", "Owner: %s"))
	} else if v.Lead.Open() {
		elems = append(elems, plainDiv("在公海池中等待认领", "Waiting in the pool"))
	}
	if h.Masked {
		elems = append(elems, noteDiv("电话号码和邮箱已隐藏", "Phone numbers and emails are masked"))
	}
	elems = append(elems, hr{Tag: "hr"})
	if len(v.History) == 0 {
		elems = append(elems, plainDiv("还没有记录", "Nothing recorded yet"))
	}
	used := 0
	for i, e := range v.History {
		zh, en, dzh, den := entryWords(v, e)
		body := noteText(e.Text, h.Masked)
		cost := 2*len(zh) + len(en) + 3*len(body) + 2*len(dzh) + len(den) + 200
		if i == historyMax || (i > 0 && used+cost > historyBudget) {
			more := len(v.History) - i
			elems = append(elems, noteDiv(fmt.Sprintf("还有 %d 条更早的记录未显示", more), fmt.Sprintf("%d earlier entries not shown", more)))
			break
		}
		used += cost
		zhWho, enWho := who(e.ActorID)
		at := clock(e.At, v.Now, v.Location)
		elems = append(elems, md("**"+zh+"** · "+zhWho+" · "+at, "**"+en+"** · "+enWho+" · "+at))
		switch {
		case body != "" && dzh != "":
			elems = append(elems, plainDiv(dzh+"\n"+body, den+"\n"+body))
		case body != "":
			elems = append(elems, plainDiv(same(body)))
		case dzh != "":
			elems = append(elems, noteDiv(dzh, den))
		}
	}
	c := &card{
		Schema: "2.0",
		Config: config{UpdateMulti: true, Summary: &summary{Content: "跟进记录：" + name, I18n: bi("跟进记录："+name, "History: "+nameEN)}},
		Header: hd,
		Body:   body{Elements: elems},
	}
	// Notes may quote personal details the reader was allowed to see; the card should not travel further.
	c.Config.EnableForward = new(false)
	return encode(c)
}

// entryWords says what a history entry is in Baton's words (zh, en: markdown-safe, no user text) and its
// details (dzh, den: plain text, may hold source keys and campaigns).
func entryWords(v crm.LeadView, e crm.HistoryEntry) (zh, en, dzh, den string) {
	d := e.Data
	switch e.Kind {
	case crm.EventCreated:
		zh, en = "录入线索", "Lead created"
		dzh, den = sourceDetail(d)
	case crm.EventTouch:
		zh, en = "老客户新触达", "Returning customer, new touch"
		dzh, den = sourceDetail(d)
	case crm.EventClaimed:
		zh, en = "认领", "Claimed"
	case crm.EventAssigned:
		zh, en = "分配", "Assigned"
		if m := mention(d["to"]); m != "" {
			zh, en = "分配给 "+m, "Assigned to "+m
		}
	case crm.EventReassigned:
		zh, en = "转交", "Reassigned"
		if m := mention(d["to"]); m != "" {
			zh, en = "转交给 "+m, "Reassigned to "+m
		}
	case crm.EventReleased:
		zh, en = "释放回公海", "Released to the pool"
	case crm.EventRecycled:
		zh, en = "超时回收到公海", "Returned to the pool (no follow-up in time)"
	case crm.EventStageChanged:
		fzh, fen := stageName(crm.Stage(d["from"]))
		tzh, ten := stageName(crm.Stage(d["to"]))
		zh, en = "阶段 "+fzh+" → "+tzh, "Stage "+fen+" → "+ten
		if d["to"] == string(crm.StageWon) {
			if n, err := strconv.ParseInt(d["value"], 10, 64); err == nil && n > 0 {
				zh, en = zh+" · 金额 "+money(n), en+" · amount "+money(n)
			}
		}
		if r := d["reason"]; d["to"] == string(crm.StageLost) && r != "" {
			dzh, den = "原因："+LostReasonName(r, "zh"), "Reason: "+LostReasonName(r, "en")
		}
	case crm.EventNote:
		zh, en = "跟进记录", "Note"
		if d["followup"] == "done" {
			zh, en = "已完成跟进", "Follow-up done"
		}
	case crm.EventFollowUpSet:
		zh, en = "设置下次跟进", "Set a follow-up"
		if t, err := time.Parse(time.RFC3339, d["at"]); err == nil {
			at := clock(t, v.Now, v.Location)
			zh, en = "下次跟进 "+at, "Follow up "+at
		}
	case crm.EventFeedback:
		names, ok := qualityNames[crm.Quality(d["quality"])]
		zh, en = "质量反馈", "Lead quality"
		if ok {
			zh, en = "质量反馈："+names[0], "Lead quality: "+names[1]
		}
	case crm.EventPhoneRevealed:
		zh, en = "查看了完整联系方式", "Saw the full contact"
	case crm.EventLocked:
		zh, en = "锁定（不回收）", "Locked against recycling"
		if d["locked"] == "false" {
			zh, en = "解除锁定", "Unlocked"
		}
	case crm.EventErased:
		zh, en = "个人信息已删除", "Personal data erased"
	default:
		zh, en = string(e.Kind), string(e.Kind)
	}
	return zh, en, dzh, den
}

func sourceDetail(d map[string]string) (string, string) {
	src, campaign := cleanLine(d["source"]), clip(cleanLine(d["campaign"]), maxListed)
	switch {
	case src != "" && campaign != "":
		return "来源 " + src + " · 活动 " + campaign, "Source " + src + " · campaign " + campaign
	case src != "":
		return "来源 " + src, "Source " + src
	case campaign != "":
		return "活动 " + campaign, "Campaign " + campaign
	}
	return "", ""
}
