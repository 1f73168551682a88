package cards

import (
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

func testTeam() *crm.Team {
	p := testPool()
	return &crm.Team{
		Week: crm.WeekOf(now, shanghai), Now: now, Location: shanghai,
		Pools: []crm.TeamPool{{Pool: p, Reps: []crm.RepLoad{
			{OpenID: ownerID, Name: "王五", Open: 3, Overdue: 1, AwaitingContact: 2, Claims: 4, Wins: 1},
			{OpenID: "ou_rep2", Name: "赵六"},
		}}},
	}
}

func testBatchTarget() BatchTarget {
	return BatchTarget{Pool: testPool(), Members: []string{ownerID, "ou_rep2"},
		Pools: []crm.Pool{*testPool(), {Key: "west", Name: "华西线索池"}}}
}

func teamCases() []goldenCase {
	enteredView := func() crm.LeadView {
		v := claimedView()
		v.EnteredBy = &crm.Member{OpenID: ownerID, Name: "王五"}
		return v
	}
	return []goldenCase{
		{"team", true, func() []byte { return TeamCard(testTeam()) }},
		{"team_none", true, func() []byte {
			return TeamCard(&crm.Team{Week: crm.WeekOf(now, shanghai), Now: now, Location: shanghai})
		}},
		{"team_rep_leads", true, func() []byte {
			bt := testBatchTarget()
			bt.Rep = ownerID
			return RepLeads(crm.RepLoad{OpenID: ownerID, Name: "王五"}, []crm.LeadView{claimedView(), lockedView()}, bt)
		}},
		{"pool_batch", true, func() []byte {
			second := overdueView()
			second.Lead.ID = 124
			return PoolBatch([]crm.LeadView{pooledView(), second, pooledView()}, testBatchTarget())
		}},
		{"pool_batch_empty", true, func() []byte { return PoolBatch(nil, testBatchTarget()) }},
		{"owner_entered_by", false, func() []byte { return Renderer{}.OwnerCard(enteredView()) }},
	}
}

func TestTeamCardsGolden(t *testing.T) {
	for _, tc := range teamCases() {
		t.Run(tc.name, func(t *testing.T) { compareGolden(t, tc.name, tc.build()) })
	}
}

// TestTeamCardsFollowTheRules: the manager cards pass the same checks as every other card (both
// languages on every text, decodable callback values, no personal data on group cards).
func TestTeamCardsFollowTheRules(t *testing.T) {
	t.Parallel()
	for _, tc := range teamCases() {
		b := tc.build()
		checkCard(t, tc.name, b)
		if tc.group && (strings.Contains(string(b), nationalPhone) || strings.Contains(string(b), fullEmail)) {
			t.Errorf("%s: group card shows the full phone or email", tc.name)
		}
	}
}

func TestTeamCardShowsEachRepsFigures(t *testing.T) {
	t.Parallel()
	s := string(TeamCard(testTeam()))
	for _, want := range []string{
		"<at id=" + ownerID + "></at>\\n在跟 3 · 逾期跟进 1 · 待首次联系 2 · 本周认领 4 · 本周赢单 1",
		"Open 3 · Overdue follow-ups 1 · Awaiting first contact 2 · Claimed this week 4 · Won this week 1",
		`"rep":"` + ownerID + `"`, "2026-W48",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("team card lacks %q:\n%s", want, s)
		}
	}
}

func TestEnteredByOnLeadCards(t *testing.T) {
	t.Parallel()
	v := pooledView()
	v.EnteredBy = &crm.Member{OpenID: ownerID, Name: "王五"}
	for name, b := range map[string][]byte{"pool": Renderer{}.PoolCard(v), "owner": Renderer{}.OwnerCard(v)} {
		if s := string(b); !strings.Contains(s, "由 王五 录入") || !strings.Contains(s, "Entered by 王五") {
			t.Errorf("%s card does not say who entered the lead:\n%s", name, s)
		}
	}
}

func TestBatchEntryAddsButton(t *testing.T) {
	t.Parallel()
	b := BatchEntry(LeadList([2]string{"公海", "Pool"}, []crm.LeadView{pooledView()}), "east")
	checkCard(t, "pool list with batch entry", b)
	if !strings.Contains(string(b), `"op":"batch_form"`) {
		t.Fatalf("no batch button: %s", b)
	}
}
