package crm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
)

// LeadProposal is what "/lead + free text" proposes: a filled lead form and whom it matches. Nothing of it
// is stored: the person confirms the form (or edits it) and the form's submit enters the lead.
type LeadProposal struct {
	Input   LeadInput
	Fields  []FieldDef // the custom fields the form asks for, Input.Fields filling them in
	ByModel bool       // the model read the text; false: Baton's own rules (ExtractLead)
	// Degraded says why the model was not used although it is configured (budget spent, timeout, a bad
	// answer); nil otherwise. Its message is shown on the card.
	Degraded error
	// Returning is the known customer with this phone number or email (已有客户), nil for a new one, and
	// OpenLead that customer's open lead, if any: confirming adds a touch to it.
	Returning *Customer
	OpenLead  *Lead
}

// ProposeLead reads pasted text into a lead proposal. With model set (a job, never a card callback) and
// the extract feature on, the assistant reads it; otherwise, or when the assistant fails or the day's
// budget is spent, Baton's own extractor does. Phone and email are checked by Baton either way.
func (s *Service) ProposeLead(ctx context.Context, text string, model bool) (*LeadProposal, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Bilingual(EINVALID, "请在 /lead 后粘贴要识别的文字", "Paste the text to read after /lead")
	}
	p := &LeadProposal{Input: ExtractLead(text), Fields: s.Settings.Fields}
	p.Input.Fields = s.Settings.ExtractFields(text)
	if model && s.Assistant != nil && s.Settings.Assist.On(AssistExtract) {
		pasted := AssistText{Text: text, Private: s.Settings.PrivateValues(p.Input.Fields)}
		got, err := s.Assistant.ExtractLead(ctx, pasted, s.Settings.FieldsFor(func(d *FieldDef) bool { return !d.PII && d.Type != FieldMember }))
		if err != nil {
			p.Degraded = s.assistFailed(ctx, "extract", 0, err)
		} else {
			p.ByModel = true
			p.Input = mergeExtract(p.Input, got, s.Settings.Fields)
		}
	}
	if err := s.dedupeProposal(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeExtract takes the model's fields over the rules', except values the model got wrong: a phone or
// email Baton cannot normalise, or a custom field value its definition refuses, keeps the rules' value.
// The model is never asked for pii fields (they are not described to it), so those stay the rules'.
func mergeExtract(rules, model LeadInput, defs []FieldDef) LeadInput {
	out := rules
	out.Fields = maps.Clone(rules.Fields)
	take := func(dst *string, v string, max int) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = truncateRunes(v, max)
		}
	}
	take(&out.Name, model.Name, maxShort)
	take(&out.Company, model.Company, maxCompany)
	take(&out.Title, model.Title, maxShort)
	if p, err := NormalizePhone(model.Phone); err == nil {
		out.Phone = p
	}
	if e, err := NormalizeEmail(model.Email); err == nil {
		out.Email = e
	}
	for k, v := range model.Fields {
		d := findField(defs, k)
		if d == nil || d.PII {
			continue
		}
		if nv, err := d.Normalize(v); err == nil && nv != nil {
			if out.Fields == nil {
				out.Fields = map[string]any{}
			}
			out.Fields[k] = nv
		}
	}
	return out
}

// dedupeProposal looks the proposal's contacts up among known customers (撞单), as intake will.
func (s *Service) dedupeProposal(ctx context.Context, p *LeadProposal) error {
	if s.Privacy == nil || (p.Input.Phone == "" && p.Input.Email == "") {
		return nil
	}
	id, err := s.Privacy.CustomerIDByContact(ctx, p.Input.Phone, p.Input.Email)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dedupe proposal: %w", err)
	}
	if p.Returning, err = s.Leads.Customer(ctx, id); err != nil {
		return fmt.Errorf("dedupe proposal: %w", err)
	}
	leads, err := s.Privacy.LeadsOfCustomer(ctx, id)
	if err != nil {
		return fmt.Errorf("dedupe proposal: %w", err)
	}
	for _, l := range leads {
		if l.Open() {
			p.OpenLead = l
		}
	}
	return nil
}

// assistFailed logs why the model was not used (ids only) and returns what the card says about it.
func (s *Service) assistFailed(ctx context.Context, feature string, leadID int64, err error) error {
	if errors.Is(err, ErrAssistBudget) {
		s.logger().WarnContext(ctx, "assist budget spent", "feature", feature, "lead_id", leadID)
		return ErrAssistBudget
	}
	s.logger().WarnContext(ctx, "assist request failed", "feature", feature, "lead_id", leadID, "error", err)
	return Bilingual(EUNAVAILABLE, "助手暂时不可用，已改用本地规则", "The assistant is unavailable; Baton used its own rules instead")
}

// AssistOffer is what the assistant offers the owner about a lead: a summary of their note (with a
// stage and a follow-up date) or a brief of the customer's history. Degraded is set instead when it
// could not (budget spent, model down): the owner is told, so nothing fails silently.
type AssistOffer struct {
	View     LeadView
	Feature  string // AssistSummary or AssistBrief
	Summary  NoteSummary
	Brief    string
	Degraded error
}

// SummarizeNote asks the assistant about the newest note actor wrote on the lead. It returns nil when
// there is nothing to offer: the feature is off, the lead is closed or gone to someone else, no note.
func (s *Service) SummarizeNote(ctx context.Context, leadID int64, actor string) (*AssistOffer, error) {
	if s.Assistant == nil || !s.Settings.Assist.On(AssistSummary) {
		return nil, nil
	}
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("summarize note on lead %d: %w", leadID, err)
	}
	if !l.Open() || l.OwnerID != actor {
		return nil, nil
	}
	tl, err := s.Leads.Timeline(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("summarize note on lead %d: %w", leadID, err)
	}
	var note string
	for _, e := range tl {
		if e.Kind == EventNote && e.ActorID == actor && e.Data["text"] != "" && e.Data["assist"] == "" {
			note = e.Data["text"]
		}
	}
	if note == "" {
		return nil, nil
	}
	off := &AssistOffer{Feature: AssistSummary}
	now := s.now()
	sum, err := s.Assistant.Summarize(ctx, leadID, AssistText{Text: note, Private: s.Settings.PrivateValues(l.Fields)}, nextStages(l.Stage), now)
	if err != nil {
		off.Degraded = s.assistFailed(ctx, AssistSummary, leadID, err)
	} else {
		off.Summary = checkSummary(sum, l.Stage, now)
	}
	if off.View, err = s.ViewOf(ctx, l); err != nil {
		return nil, err
	}
	return off, nil
}

// nextStages are the stages a summary may suggest: open stages the lead can move to from where it is.
func nextStages(from Stage) []Stage {
	var out []Stage
	for _, st := range Stages {
		if st != from && !st.Closed() && CheckMove(from, st) == nil {
			out = append(out, st)
		}
	}
	return out
}

// checkSummary keeps what the owner can apply in one tap: a stage the lead may move to, a follow-up date
// in the next 90 days; the summary at most two lines.
func checkSummary(sum NoteSummary, from Stage, now time.Time) NoteSummary {
	if sum.Stage != "" && (sum.Stage == from || sum.Stage.Closed() || CheckMove(from, sum.Stage) != nil) {
		sum.Stage = ""
	}
	if !sum.FollowUp.IsZero() && (!sum.FollowUp.After(now) || sum.FollowUp.After(now.Add(90*24*time.Hour))) {
		sum.FollowUp = time.Time{}
	}
	lines := strings.Split(strings.TrimSpace(sum.Summary), "\n")
	if len(lines) > 2 {
		lines = lines[:2]
	}
	sum.Summary = truncateRunes(strings.Join(lines, "\n"), 300)
	return sum
}

// BriefLead asks the assistant for a one-line brief of a returning customer's history, for the lead's
// owner. It returns nil when there is nothing to offer (feature off, lead unowned or closed).
func (s *Service) BriefLead(ctx context.Context, leadID int64) (*AssistOffer, error) {
	if s.Assistant == nil || !s.Settings.Assist.On(AssistBrief) {
		return nil, nil
	}
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("brief lead %d: %w", leadID, err)
	}
	if !l.Open() || !l.Owned() {
		return nil, nil
	}
	tl, err := s.Leads.Timeline(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("brief lead %d: %w", leadID, err)
	}
	touches, err := s.Leads.Touches(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("brief lead %d: %w", leadID, err)
	}
	off := &AssistOffer{Feature: AssistBrief}
	history := AssistText{Text: historyText(BuildHistory(tl, touches), s.Settings.Location), Private: s.Settings.PrivateValues(l.Fields)}
	brief, err := s.Assistant.Brief(ctx, leadID, history)
	if err != nil {
		off.Degraded = s.assistFailed(ctx, AssistBrief, leadID, err)
	} else {
		off.Brief = truncateRunes(strings.Join(strings.Fields(brief), " "), 200)
	}
	if off.View, err = s.ViewOf(ctx, l); err != nil {
		return nil, err
	}
	return off, nil
}

// historyText writes a history oldest first, one entry a line, for the model: the date, what happened and
// what a person wrote. Actor ids stay out: the model needs the story, not who at the company typed it.
func historyText(h []HistoryEntry, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	for i := len(h) - 1; i >= 0; i-- {
		e := h[i]
		fmt.Fprintf(&b, "%s %s", e.At.In(loc).Format("2006-01-02"), e.Kind)
		for _, k := range []string{"from", "to", "quality", "source", "campaign", "reason"} {
			if v := e.Data[k]; v != "" {
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
		}
		if e.Text != "" {
			b.WriteString(": " + strings.Join(strings.Fields(e.Text), " "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// AddAssistNote is the owner's one-tap confirm of a summary or a brief: it goes on the timeline as a note
// marked as the assistant's (the text is what the card showed, edited or not).
func (s *Service) AddAssistNote(ctx context.Context, leadID int64, pre Expect, actor, feature, text string) (*Lead, error) {
	if feature != AssistSummary && feature != AssistBrief {
		return nil, Bilingual(EINVALID, "卡片操作无效", "This action is not valid")
	}
	note, err := cleanText("note", text, maxNote, true)
	if err != nil {
		return nil, err
	}
	if note == "" {
		return nil, &Error{Code: EINVALID, Field: "summary", ZH: "摘要为空", Message: "The summary is empty"}
	}
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner, actor, "assist_note", func(l *Lead, _ *Pool) ([]LeadEvent, error) {
		return []LeadEvent{NewEvent(EventNote, actor, now, "text", note, "assist", feature)}, nil
	})
}

// NoteSaved offers a summary of a note the owner just saved, when the summary feature is on: the work
// goes to a job, and the owner gets a card when it is ready.
func (s *Service) NoteSaved(ctx context.Context, l *Lead, actor string) {
	if s.AssistJobs == nil || !s.Settings.Assist.On(AssistSummary) || l == nil {
		return
	}
	if err := s.AssistJobs.Summarize(ctx, l.ID, l.Rev, actor); err != nil {
		s.logger().WarnContext(ctx, "queue assist summary", "lead_id", l.ID, "error", err)
	}
}

// returningCustomer offers the owner a brief when a known customer comes back to an owned lead.
func (s *Service) returningCustomer(ctx context.Context, res *IntakeResult) {
	if s.AssistJobs == nil || !s.Settings.Assist.On(AssistBrief) || res.Status != IntakeTouch || !res.Lead.Owned() {
		return
	}
	if err := s.AssistJobs.Brief(ctx, res.Lead.ID, res.Lead.Rev); err != nil {
		s.logger().WarnContext(ctx, "queue assist brief", "lead_id", res.Lead.ID, "error", err)
	}
}
