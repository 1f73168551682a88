package cards

import (
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// OwnerCard is the owner's DM: the full phone and email (this card is the reveal, so it cannot be
// forwarded), every lead field, touches, insights, where the lead stands, and the work actions — a work form
// (stage, note, follow-up), a close form (won or lost, reason, amount), quality feedback and release.
// A closed lead shows its outcome and no actions.
func (Renderer) OwnerCard(v crm.LeadView) []byte {
	if v.Lead == nil {
		return missingLead()
	}
	if v.Retired {
		return retiredOwnerCard(v)
	}
	if v.Moved {
		return movedCard(v)
	}
	l := v.Lead
	name, nameEN := customerName(v)
	template := colorIndigo
	switch l.Stage {
	case crm.StageWon:
		template = colorGreen
	case crm.StageLost:
		template = colorGrey
	}

	elems := make([]any, 0, 32)
	fields := append(leadFields(v, true), customFieldLines(v, true)...)
	if note := cleanBlock(l.Note); note != "" {
		fields = append(fields, field{zh: "备注", en: "Note", value: note})
	}
	if f, ok := fieldsDiv(fields); ok {
		elems = append(elems, f)
	}
	elems = append(elems, touchElems(v, ownerTouches)...)
	elems = append(elems, insightElems(v, ownerInsights)...)
	elems = append(elems, historySection(v, elems)...)
	elems = append(elems, hr{Tag: "hr"}, status(v))

	if l.Open() {
		elems = append(elems, workActions(v)...)
	} else {
		zh, en := closedLine(l)
		elems = append(elems, plainDiv(zh, en))
	}
	elems = append(elems, noteDiv("此卡片含完整联系方式，仅发给负责人，请勿外传", "This card shows full contact details to the owner only; please keep them private"))

	c := &card{
		Schema: "2.0",
		Config: config{UpdateMulti: true, Summary: &summary{Content: "你的线索：" + name, I18n: bi("你的线索："+name, "Your lead: "+nameEN)}},
		Header: leadHeader(v, template),
		Body:   body{Elements: elems},
	}
	c.Config.EnableForward = new(false)
	return encode(c)
}

// status sums up where the lead stands: stage, claim time, follow-up date, protection deadline.
func status(v crm.LeadView) markdown {
	l := v.Lead
	szh, sen := stageName(l.Stage)
	zh, en := []string{"阶段：" + szh}, []string{"Stage: " + sen}
	if !l.ClaimedAt.IsZero() {
		at := clock(l.ClaimedAt, v.Now, v.Location)
		zh, en = append(zh, "认领于 "+at), append(en, "claimed "+at)
	}
	if !l.FollowUpAt.IsZero() {
		at := clock(l.FollowUpAt, v.Now, v.Location)
		zh, en = append(zh, "下次跟进 "+at), append(en, "follow up "+at)
	}
	if l.Open() && l.Locked {
		zh, en = append(zh, "已锁定，不会回收"), append(en, "locked, never recycled")
	} else if l.Open() && !l.ProtectedUntil.IsZero() {
		at := clock(l.ProtectedUntil, v.Now, v.Location)
		zh, en = append(zh, "保护期至 "+at), append(en, "protected until "+at)
	}
	return md(strings.Join(zh, " · "), strings.Join(en, " · "))
}

// workActions are the owner's controls for an open lead. Form field names are unique across the card, as
// Lark requires, and each submit button carries the lead and revision.
func workActions(v crm.LeadView) []any {
	l := v.Lead
	at := func(op string) Action { return At(l, op) }
	work := newForm("form_work", "work",
		selectStatic{Tag: "select_static", ElementID: "stage", Name: "stage",
			Placeholder: plain("阶段", "Stage"), Options: stageOptions(l.Stage), InitialOption: string(l.Stage)},
		input{Tag: "input", ElementID: "note", Name: "note", Placeholder: plain("跟进记录", "What happened?"),
			InputType: "multiline_text", MaxLength: 1000},
		// Date and time: a date alone would mean a fixed hour, and "today" would be refused once it passed.
		dateTimePicker{Tag: "picker_datetime", ElementID: "followup", Name: "followup",
			Placeholder: plain("下次跟进时间", "Next follow-up"), InitialDatetime: followUpDate(v)},
		submitButton("save", "work_submit", "保存", "Save", at(OpSave)),
	)
	closeForm := newForm("form_close", "close",
		selectStatic{Tag: "select_static", ElementID: "outcome", Name: "outcome", Placeholder: plain("结果", "Outcome"),
			Required: true, Options: []option{
				{Text: plain("赢单", "Won"), Value: string(crm.StageWon)},
				{Text: plain("输单", "Lost"), Value: string(crm.StageLost)},
			}},
		selectStatic{Tag: "select_static", ElementID: "lost_reason", Name: "lost_reason",
			Placeholder: plain("输单原因（输单时必选）", "Lost reason (required when lost)"), Options: lostReasonOptions()},
		textInput("amount", "amount", "成交金额（元）", "Deal amount", 20),
		// No confirmation dialog here: Lark shows it before Baton sees the form, so a missing lost reason or
		// an amount like "5万" would be confirmed first and refused after. Save checks the form and answers
		// with a confirmation card instead (CloseConfirmCard).
		submitButton("close", "close_submit", "结单", "Close lead", at(OpClose)),
	)
	feedback := selectStatic{Tag: "select_static", ElementID: "feedback", Name: "feedback",
		Placeholder: plain("线索质量反馈", "Rate this lead"), Options: qualityOptions(), Behaviors: callback(at(OpFeedback))}
	release := withConfirm(actionButton("release", "释放到公海", "Release to pool", btnDanger, at(OpRelease)),
		"确认释放？", "Release this lead?", "线索回到公海，其他人可以认领", "The lead goes back to the pool for others to claim")
	return append([]any{
		md("**更新进展**", "**Update**"), work,
		md("**结单**", "**Close**"), closeForm,
		md("**质量反馈**（同步给运营）", "**Lead quality** (shared with ops)"), feedback,
		release,
	}, fieldsForm(v)...)
}

// followUpDate is the picker's initial date and time, in the configured time zone so a late-evening
// follow-up does not show as the next day.
func followUpDate(v crm.LeadView) string {
	if v.Lead.FollowUpAt.IsZero() {
		return ""
	}
	loc := v.Location
	if loc == nil {
		loc = time.UTC
	}
	return v.Lead.FollowUpAt.In(loc).Format("2006-01-02 15:04")
}
