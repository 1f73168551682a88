package cards

import (
	"errors"
	"fmt"
	"time"

	"github.com/baton-crm/baton/crm"
)

// AssistReading is the card /lead answers free text with while the assistant reads it; the job redraws
// it with the proposal.
func AssistReading() []byte {
	return newCard("正在识别线索…", "Reading the lead…", newHeader("正在识别线索…", "Reading the lead…", colorGrey),
		noteDiv("助手正在识别你粘贴的文字，稍候这里会出现线索表单。", "The assistant is reading the text you pasted; the lead form appears here shortly."))
}

// LeadProposal is the /lead form filled from pasted text, with the dedupe result. Nothing is stored until
// the person submits it.
func LeadProposal(p *crm.LeadProposal) []byte {
	in := p.Input
	prefill := func(i input, v string) input { i.DefaultValue = v; return i }
	var elems []any
	if c := p.Returning; c != nil {
		zh, en := "已有客户："+cleanLine(c.Name), "Returning customer: "+cleanLine(c.Name)
		if p.OpenLead != nil {
			zh += fmt.Sprintf("（线索 #%d），提交后记为新触达", p.OpenLead.ID)
			en += fmt.Sprintf(" (lead #%d); submitting records a new touch", p.OpenLead.ID)
		}
		elems = append(elems, plainDiv(zh, en))
	} else {
		elems = append(elems, plainDiv("新客户", "New customer"))
	}
	switch {
	case p.Degraded != nil:
		en, zh := crm.ErrorMessage(p.Degraded)
		elems = append(elems, noteDiv(zh, en))
	case p.ByModel:
		elems = append(elems, noteDiv("由助手识别，请核对后提交。", "Read by the assistant: check before you submit."))
	default:
		elems = append(elems, noteDiv("由本地规则识别，请核对后提交。", "Read by Baton's own rules: check before you submit."))
	}
	note := input{Tag: "input", ElementID: "lf_note", Name: "note", Placeholder: plain("备注", "Note"),
		InputType: "multiline_text", MaxLength: 1000, DefaultValue: clip(cleanBlock(in.Note), 1000)}
	form := []any{
		prefill(textInput("lf_name", "name", "客户姓名", "Customer name", 100), cleanLine(in.Name)),
		prefill(textInput("lf_phone", "phone", "手机号", "Phone", 32), in.Phone),
		prefill(textInput("lf_email", "email", "邮箱", "Email", 254), in.Email),
		prefill(textInput("lf_company", "company", "公司", "Company", 100), cleanLine(in.Company)),
		prefill(textInput("lf_title", "title", "职位", "Title", 100), cleanLine(in.Title)),
		note,
	}
	// The same inputs as LeadForm's, filled with what was read, so the submit reads them the same way.
	form = append(form, fieldInputs(p.Fields, in.Fields, "lf_f", nil)...)
	form = append(form, submitButton("lf_submit", "lead_submit", "确认录入", "Confirm", Action{Op: OpLeadForm}))
	elems = append(elems, newForm("form_lead", "lead", form...))
	return newCard("识别出的线索", "Proposed lead", newHeader("识别出的线索", "Proposed lead", colorBlue), elems...)
}

// AssistOffer is the assistant's offer to a lead's owner: a note's summary with the stage and follow-up
// date it suggests, or a returning customer's brief. Each is applied only by a tap; a degraded offer
// says why there is none.
func AssistOffer(off *crm.AssistOffer, loc *time.Location) []byte {
	v := off.View
	nameZH, nameEN := customerName(v)
	titleZH, titleEN := "助手摘要 · "+nameZH, "Assistant summary · "+nameEN
	if off.Feature == crm.AssistBrief {
		titleZH, titleEN = "老客户回访 · "+nameZH, "Returning customer · "+nameEN
	}
	h := newHeader(titleZH, titleEN, colorBlue)
	if off.Degraded != nil {
		zh, en := "今日助手额度已用完", "today's assistant budget is spent"
		if !errors.Is(off.Degraded, crm.ErrAssistBudget) {
			zh, en = "助手暂时不可用", "the assistant is unavailable"
		}
		return newCard(titleZH, titleEN, h, plainDiv("没有生成"+map[bool]string{true: "客户简报", false: "摘要"}[off.Feature == crm.AssistBrief]+"："+zh,
			"No "+map[bool]string{true: "brief", false: "summary"}[off.Feature == crm.AssistBrief]+": "+en))
	}
	text := off.Summary.Summary
	if off.Feature == crm.AssistBrief {
		text = off.Brief
	}
	confirm := At(v.Lead, OpAssistNote)
	confirm.Args = map[string]string{"feature": off.Feature}
	elems := []any{plainDiv(cleanBlock(text), cleanBlock(text)), newForm("form_assist", "assist",
		input{Tag: "input", ElementID: "as_summary", Name: "summary", Placeholder: plain("摘要", "Summary"),
			InputType: "multiline_text", MaxLength: 1000, DefaultValue: cleanBlock(text)},
		submitButton("as_submit", "assist_submit", "记入跟进记录", "Add to history", confirm),
	)}
	var row []button
	if st := off.Summary.Stage; st != "" {
		a := At(v.Lead, OpAssistStage)
		a.Args = map[string]string{"stage": string(st)}
		zh, en := stageName(st)
		row = append(row, actionButton("as_stage", "阶段改为「"+zh+"」", "Move to "+en, btnDefault, a))
	}
	if at := off.Summary.FollowUp; !at.IsZero() {
		if loc == nil {
			loc = time.UTC
		}
		a := At(v.Lead, OpAssistFollow)
		a.Args = map[string]string{"at": at.UTC().Format(time.RFC3339)}
		when := at.In(loc).Format("01-02 15:04")
		row = append(row, actionButton("as_follow", "下次跟进 "+when, "Follow up "+when, btnDefault, a))
	}
	if len(row) > 0 {
		elems = append(elems, buttonRow(row...))
	}
	elems = append(elems, noteDiv("以上由助手生成，点按钮才会保存。", "Written by the assistant: nothing is saved until you tap."))
	return newCard(titleZH, titleEN, h, elems...)
}
