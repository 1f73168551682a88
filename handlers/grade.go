package handlers

import (
	"fmt"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// gradeJSON is a lead's grade in the API: {"letter","points","reasons":[{"zh","en","points"}]}, or null
// when the lead is not graded (no grading: configured when it arrived).
func gradeJSON(g crm.Grade) any {
	if g.Letter == "" {
		return nil
	}
	reasons := make([]map[string]any, 0, len(g.Reasons))
	for _, r := range g.Reasons {
		reasons = append(reasons, map[string]any{"zh": r.Zh, "en": r.En, "points": r.Points})
	}
	return map[string]any{"letter": g.Letter, "points": g.Points, "reasons": reasons}
}

// explainGrade adds the lead's grade and the grading rules that fired to a /route answer, in one language
// (0 Chinese, 1 English); nothing when grading is not configured.
func explainGrade(ex *crm.RouteExplanation, lang int) string {
	if ex.Grade.Letter == "" {
		return ""
	}
	var b strings.Builder
	if lang == 0 {
		fmt.Fprintf(&b, "\n评级 %s（%d 分）", ex.Grade.Letter, ex.Grade.Points)
	} else {
		fmt.Fprintf(&b, "\nGrade %s (%d points)", ex.Grade.Letter, ex.Grade.Points)
	}
	for _, r := range ex.Fired {
		reason := r.Zh
		if lang == 1 {
			reason = r.En
		}
		fmt.Fprintf(&b, "\n  %s %s · %s", crm.FormatPoints(r.Points), reason, r.When)
	}
	return b.String()
}
