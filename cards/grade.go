package cards

import (
	"strings"

	"github.com/baton-crm/baton/crm"
)

// gradeTopReasons is how many of a grade's reasons a card shows: enough to explain it at a glance.
const gradeTopReasons = 3

// gradeDiv is the lead's grade with its top reasons: "评级 A · 预算≥10万 +30 · 决策人 +20". Reasons are
// written by the admin in baton.yaml, so the line stays plain text. Ungraded leads show nothing.
func gradeDiv(l *crm.Lead) (div, bool) {
	g := l.Grade
	if g.Letter == "" {
		return div{}, false
	}
	zh, en := []string{"评级 " + g.Letter}, []string{"Grade " + g.Letter}
	for _, r := range g.Top(gradeTopReasons) {
		p := " " + crm.FormatPoints(r.Points)
		zh = append(zh, cleanLine(r.Zh)+p)
		en = append(en, cleanLine(r.En)+p)
	}
	return plainDiv(strings.Join(zh, " · "), strings.Join(en, " · ")), true
}
