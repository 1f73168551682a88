package assist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baton-crm/baton/crm"
)

const extractPrompt = `You read text a salesperson pasted into a CRM (a chat, an email signature, a business card) and
find the customer in it. Answer with one JSON object and nothing else:
{"name": "", "company": "", "title": "", "phone": "", "email": ""}
Use "" for anything the text does not say. Phone numbers and email addresses appear as placeholders such as
[PHONE_1] or [EMAIL_1]: copy the placeholder exactly. Keep names in the language of the text.`

// extractFieldsPrompt follows extractPrompt when the team has custom fields: the model is told each
// field's key, labels and the values it takes.
const extractFieldsPrompt = `
Also add "fields": an object with the custom fields below that the text states, by key; leave out the
others. Use a number for number and money fields (whole units: 20万 is 200000), "YYYY-MM-DD" for dates,
true or false for yes/no fields, an option's value (or a list of them) for choices.
%s`

// extractAnswer is the shape the extract prompt asks for.
type extractAnswer struct {
	Name    string         `json:"name"`
	Company string         `json:"company"`
	Title   string         `json:"title"`
	Phone   string         `json:"phone"`
	Email   string         `json:"email"`
	Fields  map[string]any `json:"fields"`
}

// ExtractLead implements crm.Assistant. The custom fields' values come back as the model wrote them;
// crm checks each against its field before it fills the form.
func (a *Assistant) ExtractLead(ctx context.Context, text crm.AssistText, fields []crm.FieldDef) (crm.LeadInput, error) {
	var ans extractAnswer
	prompt := extractPrompt
	if len(fields) > 0 {
		prompt += fmt.Sprintf(extractFieldsPrompt, describeFields(fields))
	}
	ph, err := a.ask(ctx, crm.AssistExtract, 0, prompt, text, &ans)
	if err != nil {
		return crm.LeadInput{}, err
	}
	in := crm.LeadInput{Name: clipLine(ph.Restore(ans.Name), 100), Company: clipLine(ph.Restore(ans.Company), 200),
		Title: clipLine(ph.Restore(ans.Title), 100), Phone: clipLine(ph.Restore(ans.Phone), 32), Email: clipLine(ph.Restore(ans.Email), 254)}
	for k, v := range ans.Fields {
		if s, ok := v.(string); ok {
			v = ph.Restore(s)
		}
		if in.Fields == nil {
			in.Fields = map[string]any{}
		}
		in.Fields[k] = v
	}
	return in, nil
}

// describeFields lists fields for the extract prompt, one a line: key (labels): type [options].
func describeFields(fields []crm.FieldDef) string {
	var b strings.Builder
	for i := range fields {
		d := &fields[i]
		fmt.Fprintf(&b, "- %s (%s / %s): %s", d.Key, d.Label("zh"), d.Label("en"), d.Type)
		if len(d.Options) > 0 {
			vals := make([]string, len(d.Options))
			for j, o := range d.Options {
				vals[j] = fmt.Sprintf("%q (%s)", o.Value, o.Zh)
			}
			b.WriteString(", one of " + strings.Join(vals, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

const summaryPrompt = `You help a salesperson keep a CRM timeline. Read their note about a customer and answer with one
JSON object and nothing else:
{"summary": "", "stage": "", "follow_up": ""}
summary: at most two short lines, in the language of the note. stage: one of %s if the note shows the deal
moved there, else "". follow_up: the next follow-up date the note implies as YYYY-MM-DD (today is %s), else "".
Phone numbers and email addresses appear as placeholders such as [PHONE_1]: copy them as they are.`

type summaryAnswer struct {
	Summary  string `json:"summary"`
	Stage    string `json:"stage"`
	FollowUp string `json:"follow_up"`
}

// followUpHour is when a suggested follow-up date starts: the model gives a day, reps call in the morning.
const followUpHour = 10

// Summarize implements crm.Assistant.
func (a *Assistant) Summarize(ctx context.Context, leadID int64, note crm.AssistText, stages []crm.Stage, now time.Time) (crm.NoteSummary, error) {
	names := make([]string, len(stages))
	for i, s := range stages {
		names[i] = `"` + string(s) + `"`
	}
	today := now.In(a.cfg.Location).Format("2006-01-02")
	var ans summaryAnswer
	ph, err := a.ask(ctx, crm.AssistSummary, leadID, fmt.Sprintf(summaryPrompt, strings.Join(names, ", "), today), note, &ans)
	if err != nil {
		return crm.NoteSummary{}, err
	}
	out := crm.NoteSummary{Summary: ph.Restore(strings.TrimSpace(ans.Summary))}
	if out.Summary == "" {
		return crm.NoteSummary{}, errors.New("assist summary: the answer has no summary")
	}
	for _, s := range stages {
		if string(s) == strings.TrimSpace(ans.Stage) {
			out.Stage = s
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(ans.FollowUp), a.cfg.Location); err == nil {
		out.FollowUp = d.Add(followUpHour * time.Hour)
	}
	return out, nil
}

const briefPrompt = `You brief a salesperson on a returning customer. Read the customer's history in the CRM (one
event a line, oldest first) and answer with one JSON object and nothing else: {"brief": ""}
brief: one line of at most 60 words, in Chinese if the history is mostly Chinese, else English.
Phone numbers and email addresses appear as placeholders such as [PHONE_1]: leave them out.`

type briefAnswer struct {
	Brief string `json:"brief"`
}

// Brief implements crm.Assistant.
func (a *Assistant) Brief(ctx context.Context, leadID int64, history crm.AssistText) (string, error) {
	var ans briefAnswer
	ph, err := a.ask(ctx, crm.AssistBrief, leadID, briefPrompt, history, &ans)
	if err != nil {
		return "", err
	}
	b := clipLine(ph.Restore(ans.Brief), 200)
	if b == "" {
		return "", errors.New("assist brief: the answer has no brief")
	}
	return b, nil
}

// clipLine makes one line of at most n characters.
func clipLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}
