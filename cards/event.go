package cards

import (
	"time"

	"github.com/baton-crm/baton/crm"
)

// EventCard is the message a timeline event with Notify set sends: a returning-customer DM, an SLA
// reminder, a manager escalation, a follow-up reminder, a recycle warning or notice. Kinds that send nothing
// of their own (an assignment is announced by the owner card) and unknown kinds return nil.
// Event cards may land in groups, so they always mask the phone and email.
func (Renderer) EventCard(v crm.LeadView, e crm.LeadEvent) []byte {
	if v.Lead == nil {
		return nil
	}
	switch e.Kind {
	case crm.EventTouch:
		return touchCard(v, e)
	case crm.EventReminded:
		return remindedCard(v, e)
	case crm.EventEscalated:
		return escalatedCard(v, e)
	case crm.EventFollowUpDue:
		return followUpCard(v, e)
	case crm.EventWarned:
		return warnedCard(v, e)
	case crm.EventRecycled:
		return recycledCard(v)
	default:
		return nil
	}
}

func touchCard(v crm.LeadView, e crm.LeadEvent) []byte {
	name, nameEN := customerName(v)
	src, campaign := cleanLine(e.Data["source"]), cleanLine(e.Data["campaign"])
	zh, en := "老客户新触达", "Returning customer, new touch"
	switch {
	case campaign != "" && src != "":
		zh, en = zh+"：来自活动「"+campaign+"」（"+src+"）", en+" from campaign "+campaign+" ("+src+")"
	case campaign != "":
		zh, en = zh+"：来自活动「"+campaign+"」", en+" from campaign "+campaign
	case src != "":
		zh, en = zh+"：来自 "+src, en+" from "+src
	}
	h := newHeader("老客户新触达："+name, "Returning customer: "+nameEN, colorTurq)
	elems := []any{plainDiv(zh, en)}
	elems = append(elems, touchNote(v, e)...)
	elems = append(elems, brief(v)...)
	elems = append(elems, actionButton("open", "查看线索", "Open lead", btnPrimary, lead(v, OpOpen)))
	return newCard("老客户新触达："+name, "Returning customer: "+nameEN, h, elems...)
}

func remindedCard(v crm.LeadView, e crm.LeadEvent) []byte {
	name, nameEN := customerName(v)
	clockKind := e.Data["clock"]
	if clockKind == "" && e.Data["action"] == string(crm.ActionRemindOwner) {
		clockKind = "first_contact"
	}
	if clockKind == "first_contact" {
		zh, en := afterSpan(e, v.Now.Sub(v.Lead.ClaimedAt))
		title, titleEN := "认领 "+zh+"仍未联系", "Not contacted "+en+" after claim"
		elems := append([]any{plainDiv(title+"："+name, titleEN+": "+nameEN)}, brief(v)...)
		elems = append(elems, md("联系客户后记一笔，提醒就会停止：", "Log the contact to stop these reminders:"), noteForm(v))
		return newCard(title+"："+name, titleEN+": "+nameEN, newHeader(title, titleEN, colorOrange), elems...)
	}
	zh, en := afterSpan(e, v.Now.Sub(v.Lead.PooledAt))
	title, titleEN := "等待 "+zh+"未认领", "Unclaimed for "+en
	elems := append([]any{plainDiv(name, nameEN)}, brief(v)...)
	if v.Lead.Open() && !v.Lead.Owned() {
		elems = append(elems, actionButton("claim", "认领", "Claim", btnPrimaryFilled, lead(v, OpClaim)))
	}
	return newCard(title+"："+name, titleEN+": "+nameEN, newHeader(title, titleEN, colorOrange), elems...)
}

// escalatedCard goes to a manager: the breach, the lead in brief, and one-tap fixes — hand the lead to
// someone (person picker) or extend the deadline.
func escalatedCard(v crm.LeadView, e crm.LeadEvent) []byte {
	name, nameEN := customerName(v)
	var breach, breachEN string
	var elems []any
	if e.Data["clock"] == "first_contact" {
		zh, en := afterSpan(e, v.Now.Sub(v.Lead.ClaimedAt))
		breach, breachEN = "认领 "+zh+"仍未联系客户", "Not contacted "+en+" after claim"
		elems = append(elems, plainDiv(breach, breachEN), ownerLine(v, "负责人 %s", "Owner: %s"))
	} else {
		zh, en := afterSpan(e, v.Now.Sub(v.Lead.PooledAt))
		breach, breachEN = "等待 "+zh+"仍未认领", "Unclaimed for "+en
		elems = append(elems, plainDiv(breach, breachEN))
	}
	if p := poolName(v); p != "" {
		elems = append(elems, noteDiv("线索池："+p, "Pool: "+p))
	}
	elems = append(elems, brief(v)...)
	elems = append(elems, managerNotes(v)...)
	elems = append(elems, hr{Tag: "hr"}, md("**改派给**", "**Reassign to**"), selectPerson{
		Tag: "select_person", ElementID: "reassign", Name: "reassign",
		Placeholder: plain("选择销售", "Pick a rep"), Options: candidates(v), Behaviors: callback(lead(v, OpReassign)),
	}, actionButton("extend", "延长时限", "Extend deadline", btnDefault, lead(v, OpExtend)))
	h := newHeader("SLA 升级："+name, "SLA escalation: "+nameEN, colorRed)
	return newCard("SLA 升级："+breach, "SLA escalation: "+breachEN, h, elems...)
}

// candidates are the people the reassign picker offers. An empty list would offer the members of the chat
// the card is in, which for a manager's DM is only the manager, so the pool's members are listed when known.
func candidates(v crm.LeadView) []personOption {
	if v.Pool == nil {
		return nil
	}
	ids := v.Candidates
	if len(ids) == 0 {
		ids = v.Pool.Members
	}
	var out []personOption
	for _, id := range ids {
		if validOpenID(id) {
			out = append(out, personOption{Value: id})
		}
	}
	return out
}

func followUpCard(v crm.LeadView, e crm.LeadEvent) []byte {
	name, nameEN := customerName(v)
	due := eventTime(e, "due", v.Lead.FollowUpAt)
	elems := []any{}
	if !due.IsZero() {
		at := clock(due, v.Now, v.Location)
		elems = append(elems, md("约定跟进时间 **"+at+"**", "Follow-up due **"+at+"**"))
	}
	elems = append(elems, brief(v)...)
	elems = append(elems, buttonRow(
		actionButton("done", "已跟进", "Done", btnPrimary, lead(v, OpFollowUpDone)),
		actionButton("snooze_1h", "1 小时后提醒", "Snooze 1 h", btnDefault, snooze(v, "1h")),
		actionButton("snooze_1d", "明天提醒", "Snooze 1 day", btnDefault, snooze(v, "1d")),
	), noteForm(v))
	return newCard("跟进提醒："+name, "Follow-up due: "+nameEN, newHeader("跟进提醒："+name, "Follow-up due: "+nameEN, colorBlue), elems...)
}

func warnedCard(v crm.LeadView, e crm.LeadEvent) []byte {
	name, nameEN := customerName(v)
	zh, en := "即将回收到公海", "Returns to the pool soon"
	if deadline := eventTime(e, "deadline", v.Lead.ProtectedUntil); !deadline.IsZero() {
		at := clock(deadline, v.Now, v.Location)
		zh, en = "将于 "+at+" 回收到公海", "Returns to the pool at "+at
	}
	elems := []any{plainDiv(zh+"：记录一次跟进即可延长保护期。", en+": log a follow-up to keep it.")}
	elems = append(elems, brief(v)...)
	elems = append(elems, noteForm(v), withConfirm(
		actionButton("release", "现在释放", "Release now", btnDanger, lead(v, OpRelease)),
		"确认释放？", "Release this lead?", "线索回到公海，其他人可以认领", "The lead goes back to the pool for others to claim"))
	return newCard(zh+"："+name, en+": "+nameEN, newHeader(zh+"："+name, en+": "+nameEN, colorOrange), elems...)
}

func recycledCard(v crm.LeadView) []byte {
	name, nameEN := customerName(v)
	elems := []any{plainDiv("保护期内没有跟进记录，线索已回收到公海。", "No follow-up within the protection period: the lead returned to the pool.")}
	elems = append(elems, brief(v)...)
	return newCard("已回收："+name, "Returned to the pool: "+nameEN, newHeader("已回收："+name, "Returned to the pool: "+nameEN, colorGrey), elems...)
}

// brief is the lead in a few masked lines, for cards about an event.
func brief(v crm.LeadView) []any {
	keep := make([]field, 0, 5)
	for _, f := range leadFields(v, false) {
		switch f.en {
		case "Company", "Phone", "Source", "Campaign":
			keep = append(keep, f)
		}
	}
	szh, sen := stageName(v.Lead.Stage)
	keep = append(keep, field{zh: "阶段", en: "Stage", value: szh, valueEN: sen})
	d, _ := fieldsDiv(keep)
	return []any{d}
}

func noteForm(v crm.LeadView) form {
	return newForm("form_note", "note_form",
		input{Tag: "input", ElementID: "note", Name: "note", Placeholder: plain("跟进记录", "What happened?"),
			InputType: "multiline_text", MaxLength: 1000, Required: true},
		submitButton("note_submit", "note_submit", "记录跟进", "Log follow-up", lead(v, OpNote)),
	)
}

func buttonRow(bs ...button) columnSet {
	cols := make([]column, 0, len(bs))
	for _, b := range bs {
		cols = append(cols, column{Tag: "column", Width: "auto", VerticalAlign: "center", Elements: []any{b}})
	}
	return columnSet{Tag: "column_set", FlexMode: "flow", Columns: cols}
}

func lead(v crm.LeadView, op string) Action { return At(v.Lead, op) }

func snooze(v crm.LeadView, d string) Action {
	a := lead(v, OpSnooze)
	a.Args = map[string]string{"snooze": d}
	return a
}

// afterSpan is the SLA step's threshold from the event ("after": "15m"), else the time actually elapsed.
func afterSpan(e crm.LeadEvent, elapsed time.Duration) (string, string) {
	if d, ok := parseSpan(e.Data["after"]); ok {
		return span(d)
	}
	return span(elapsed)
}

// eventTime reads an RFC 3339 time from the event's data, falling back to the lead's own field.
func eventTime(e crm.LeadEvent, key string, fallback time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, e.Data[key]); err == nil {
		return t
	}
	return fallback
}
