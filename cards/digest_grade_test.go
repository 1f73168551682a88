package cards

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// gradedDigest is the week's digest with a by-grade table: A leads claimed fast and won, D leads slow and
// lost, and one ungraded lead from before grading was configured.
func gradedDigest() *crm.Digest {
	d := fixtureDigest(false, false)
	d.Figures.Grades = []crm.GradeFigures{
		{Grade: "A", Leads: 1, Won: 1, ClaimTime: crm.Percentiles{N: 1, P50: 3 * time.Minute, P90: 3 * time.Minute}},
		{Grade: "C", Leads: 1, ClaimTime: crm.Percentiles{N: 2, P50: 2 * time.Hour, P90: 3 * time.Hour}},
		{Grade: "D", Leads: 1, Won: 0, Lost: 2},
		{Grade: "", Lost: 0, Won: 0, ClaimTime: crm.Percentiles{N: 1, P50: 30 * time.Minute}},
	}
	return d
}

func TestDigestShowsGrades(t *testing.T) {
	t.Parallel()
	card := string(Renderer{}.DigestCard(gradedDigest()))
	for _, want := range []string{
		"**By grade**", "**A**: 1 new leads · win rate 100% (1 of 1) · median time to claim 3 min",
		"**D**: 1 new leads · win rate 0% (0 of 2) · time to claim —",
		"**C**：新线索 1 · 赢率 —（无结单） · 认领用时中位数 2 小时", "**未评级**",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	if strings.Contains(string(Renderer{}.DigestCard(fixtureDigest(false, false))), "By grade") {
		t.Error("a digest without graded leads shows a by-grade table")
	}
}
