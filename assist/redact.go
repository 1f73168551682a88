package assist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baton-crm/baton/crm"
)

// Placeholders maps the placeholders put into a text to what they replaced.
type Placeholders map[string]string

// Redact replaces every phone-number and email span of text (crm.FindContacts: any run of seven digits
// or more, valid or not, and any address) by a placeholder such as [PHONE_1] or [EMAIL_1], and every
// occurrence of a private value (a pii field's value, as the lead stores and as the card shows it) by
// [PRIVATE_1] and so on. The same value gets the same placeholder.
func Redact(text string, private []string) (string, Placeholders) {
	ph := Placeholders{}
	text = redactPrivate(text, private, ph)
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

// redactPrivate replaces the private values found in text, longest first so that a value containing
// another is replaced whole. Values shorter than two characters are left: "是" or "3" would take words
// out of every sentence and hide nothing.
func redactPrivate(text string, private []string, ph Placeholders) string {
	vals := slices.Clone(private)
	slices.SortFunc(vals, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	n := 0
	for _, v := range slices.Compact(vals) {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) < 2 || !strings.Contains(text, v) {
			continue
		}
		n++
		key := fmt.Sprintf("[PRIVATE_%d]", n)
		ph[key] = v
		text = strings.ReplaceAll(text, v, key)
	}
	return text
}

// Restore puts the replaced values back into a string of the model's answer.
func (p Placeholders) Restore(s string) string {
	for k, v := range p {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}
