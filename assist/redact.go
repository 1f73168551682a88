package assist

import (
	"fmt"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// Placeholders maps the placeholders put into a text to what they replaced.
type Placeholders map[string]string

// Redact replaces every phone-number and email span of text (crm.FindContacts: any run of seven digits
// or more, valid or not, and any address) by a placeholder such as [PHONE_1] or [EMAIL_1]. The same
// value gets the same placeholder.
func Redact(text string) (string, Placeholders) {
	ph := Placeholders{}
	byValue := map[string]string{}
	var b strings.Builder
	last, phones, emails := 0, 0, 0
	for _, s := range crm.FindContacts(text) {
		v := text[s.Start:s.End]
		key, ok := byValue[v]
		if !ok {
			if s.Kind == "email" {
				emails++
				key = fmt.Sprintf("[EMAIL_%d]", emails)
			} else {
				phones++
				key = fmt.Sprintf("[PHONE_%d]", phones)
			}
			byValue[v], ph[key] = key, v
		}
		b.WriteString(text[last:s.Start])
		b.WriteString(key)
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String(), ph
}

// Restore puts the replaced values back into a string of the model's answer.
func (p Placeholders) Restore(s string) string {
	for k, v := range p {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}
