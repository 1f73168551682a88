package cards

import (
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

// gradedView is pooledView with an A grade from four rules: the card shows the top three.
func gradedView() crm.LeadView {
	v := pooledView()
	v.Lead.Grade = crm.Grade{Letter: "A", Points: 65, Reasons: []crm.GradeReason{
		{Zh: "预算≥10万", En: "Budget ≥ 100k", Points: 30},
		{Zh: "决策人", En: "Decision maker", Points: 20},
		{Zh: "官网表单", En: "Website form", Points: 10},
		{Zh: "华东", En: "East China", Points: 5},
	}}
	return v
}

func TestPoolCardShowsGrade(t *testing.T) {
	t.Parallel()
	card := string(Renderer{}.PoolCard(gradedView()))
	for _, want := range []string{"评级 A · 预算≥10万 +30 · 决策人 +20 · 官网表单 +10", "Grade A · Budget ≥ 100k +30 · Decision maker +20 · Website form +10"} {
		if !strings.Contains(card, want) {
			t.Errorf("pool card lacks %q", want)
		}
	}
	if strings.Contains(card, "华东 +5") {
		t.Error("pool card shows more than the top three reasons")
	}
	if strings.Contains(string(Renderer{}.PoolCard(pooledView())), "评级") {
		t.Error("an ungraded lead's card shows a grade")
	}
}
