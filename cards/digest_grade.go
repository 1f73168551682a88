package cards

import (
	"fmt"

	"github.com/baton-crm/baton/crm"
)

// gradeElems is the digest's by-grade table: per grade, the week's new leads, the win rate of the leads
// closed and the median time to claim, so a team sees whether its grading predicts anything. Nothing when
// no lead of the week was graded.
func gradeElems(f *crm.DigestFigures) []any {
	if len(f.Grades) == 0 {
		return nil
	}
	var l lines
	l.add("**按评级**", "**By grade**")
	for _, g := range f.Grades {
		zh, en := g.Grade, g.Grade
		if g.Grade == "" {
			zh, en = "未评级", "Ungraded"
		}
		win, winEN := "赢率 —（无结单）", "win rate — (none closed)"
		if closed := g.Won + g.Lost; closed > 0 {
			win = fmt.Sprintf("赢率 %s（%d/%d）", pct(g.WinRate()), g.Won, closed)
			winEN = fmt.Sprintf("win rate %s (%d of %d)", pct(g.WinRate()), g.Won, closed)
		}
		claim, claimEN := "认领用时 —", "time to claim —"
		if g.ClaimTime.N > 0 {
			z, e := span(g.ClaimTime.P50)
			claim, claimEN = "认领用时中位数 "+z, "median time to claim "+e
		}
		l.add(fmt.Sprintf("**%s**：新线索 %d · %s · %s", zh, g.Leads, win, claim),
			fmt.Sprintf("**%s**: %d new leads · %s · %s", en, g.Leads, winEN, claimEN))
	}
	return []any{hr{Tag: "hr"}, l.md()}
}
