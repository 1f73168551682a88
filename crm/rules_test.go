package crm

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func testPool() *Pool {
	return &Pool{
		Key: "east", Name: "华东线索池", ChatID: "oc_east", Mode: ModeClaim,
		Managers: []string{"ou_mgr"},
		Limits:   Limits{Open: 2, DailyClaims: 3},
		Cooldown: 24 * time.Hour,
		Protection: Protection{Default: 7 * 24 * time.Hour, ExtendOnActivity: 3 * 24 * time.Hour,
			Max: 30 * 24 * time.Hour, WarnBefore: 24 * time.Hour},
		SLA: SLA{
			Unclaimed:    []SLAStep{{5 * time.Minute, ActionRemindPool}, {15 * time.Minute, ActionEscalate}},
			FirstContact: []SLAStep{{2 * time.Hour, ActionRemindOwner}},
		},
	}
}

func TestCheckClaim(t *testing.T) {
	t.Parallel()
	p := testPool()
	open := &Lead{Stage: StageNew}
	tests := []struct {
		name   string
		lead   *Lead
		member bool
		st     MemberStats
		code   string
		msg    string
	}{
		{"ok", open, true, MemberStats{}, "", ""},
		{"closed", &Lead{Stage: StageWon}, true, MemberStats{}, ECONFLICT, "closed"},
		{"taken", &Lead{Stage: StageNew, OwnerID: "ou_b"}, true, MemberStats{}, ECONFLICT, "Someone else"},
		{"mine", &Lead{Stage: StageNew, OwnerID: "ou_a"}, true, MemberStats{}, ECONFLICT, "already own"},
		{"not member", open, false, MemberStats{}, EFORBIDDEN, "not a member"},
		{"open cap", open, true, MemberStats{OpenLeads: 2}, ELIMIT, "holding 2 of 2"},
		{"daily cap", open, true, MemberStats{ClaimsToday: 3}, ELIMIT, "3 of 3 leads today"},
		{"cooldown", open, true, MemberStats{LastRelease: t0.Add(-13*time.Hour - 30*time.Minute)}, ELIMIT, "Cooldown: 11 h left"},
		{"cooldown over", open, true, MemberStats{LastRelease: t0.Add(-25 * time.Hour)}, "", ""},
	}
	for _, tt := range tests {
		err := CheckClaim(p, tt.lead, "ou_a", tt.member, tt.st, t0)
		if got := ErrorCode(err); got != tt.code {
			t.Errorf("%s: code %q, want %q (%v)", tt.name, got, tt.code, err)
			continue
		}
		if en, zh := ErrorMessage(err); !strings.Contains(en, tt.msg) || (err != nil && zh == en) {
			t.Errorf("%s: message %q / %q, want it to contain %q and have Chinese", tt.name, en, zh, tt.msg)
		}
	}
}

func TestPickAssignee(t *testing.T) {
	t.Parallel()
	p := testPool()
	cands := []Candidate{
		{OpenID: "ou_a", Assigned: 3},
		{OpenID: "ou_b", Assigned: 1, Away: true},
		{OpenID: "ou_c", Assigned: 2, Stats: MemberStats{OpenLeads: 2}},
		{OpenID: "ou_d", Assigned: 4, Weight: 2},
		{OpenID: "ou_e", Assigned: 2},
	}
	got, skips := PickAssignee(p, cands)
	if got != "ou_d" { // 4/2 = 2 ties with ou_e's 2/1; ou_d comes first in the list
		t.Errorf("PickAssignee = %q, want ou_d", got)
	}
	if len(skips) != 2 || skips[0].OpenID != "ou_b" || skips[0].Reason != "away" || skips[1].OpenID != "ou_c" {
		t.Errorf("skips = %+v", skips)
	}
	// Back from away with the fewest leads, ou_b catches up first.
	cands[1].Away = false
	if got, _ := PickAssignee(p, cands); got != "ou_b" {
		t.Errorf("after return PickAssignee = %q, want ou_b", got)
	}
	if got, _ := PickAssignee(p, []Candidate{{OpenID: "ou_x", Away: true}}); got != "" {
		t.Errorf("nobody available: got %q", got)
	}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	s := &Settings{
		Pools: []Pool{{Key: "east"}, {Key: "vip"}, {Key: "west"}},
		Routing: []Rule{
			{Source: "web-form", Campaign: "双11*", Pool: "east"},
			{Tags: []string{"VIP"}, Pool: "vip"},
			{Region: "成都", Pool: "west"},
			{Pool: "east"},
		},
	}
	tests := []struct {
		lead NewLead
		pool string
		rule int
		miss int
	}{
		{NewLead{Source: "web-form", Campaign: "双11大促"}, "east", 0, 0},
		{NewLead{Source: "ads", Campaign: "双11大促", Tags: []string{"vip"}}, "vip", 1, 1},
		{NewLead{Source: "ads", Region: "成都"}, "west", 2, 2},
		{NewLead{Source: "ads"}, "east", 3, 3},
		{NewLead{Source: "ads", Pool: "west"}, "west", -1, 0},
	}
	for _, tt := range tests {
		got, err := Route(s, &tt.lead)
		if err != nil || got.Pool != tt.pool || got.RuleIndex != tt.rule || len(got.Misses) != tt.miss {
			t.Errorf("Route(%+v) = %+v, %v; want pool %s rule %d with %d misses", tt.lead, got, err, tt.pool, tt.rule, tt.miss)
		}
	}
	if _, err := Route(s, &NewLead{Pool: "nope"}); ErrorField(err) != "pool" {
		t.Errorf("unknown pool override: %v", err)
	}
	noDefault := &Settings{Pools: s.Pools, Routing: s.Routing[:1]}
	if _, err := Route(noDefault, &NewLead{Source: "ads"}); ErrorCode(err) != EUNAVAILABLE {
		t.Errorf("no match: %v", err)
	}
}

func TestTimers(t *testing.T) {
	t.Parallel()
	p := testPool()
	l := &Lead{Stage: StageNew, PooledAt: t0}
	want := func(kind TimerKind, due time.Time) {
		t.Helper()
		got, ok := NextTimer(l, p, nil)
		if !ok || got.Kind != kind || !got.Due.Equal(due) {
			t.Fatalf("NextTimer = %+v, %v; want %s at %s", got, ok, kind, due)
		}
	}
	want(TimerUnclaimed, t0.Add(5*time.Minute))
	e := fire(l, p, Timer{TimerUnclaimed, 0, t0.Add(5 * time.Minute)}, t0.Add(5*time.Minute))
	if len(e) != 1 || e[0].Kind != EventReminded || !e[0].Notify || e[0].Data["action"] != "remind_pool" {
		t.Fatalf("fired %+v", e)
	}
	want(TimerUnclaimed, t0.Add(15*time.Minute))
	l.SLAStep = 2
	// Ladder done: only the pool card's re-post remains, a day before Lark's 14-day update window closes.
	want(TimerCardRefresh, t0.Add(13*24*time.Hour))
	e = fire(l, p, Timer{Kind: TimerCardRefresh}, t0.Add(13*24*time.Hour))
	if len(e) != 1 || e[0].Kind != EventCardRefreshed || !e[0].Notify || e[0].Data["card"] != "pool" {
		t.Fatalf("card refresh fired %+v", e)
	}
	want(TimerCardRefresh, t0.Add(26*24*time.Hour))
	p.CardRefreshAfter = 10 * 24 * time.Hour
	want(TimerCardRefresh, t0.Add(23*24*time.Hour))
	p.CardRefreshAfter = 0

	claim := t0.Add(time.Hour)
	TakeOwnership(l, p, "ou_a", claim)
	want(TimerFirstContact, claim.Add(2*time.Hour))
	Touched(l, p, claim.Add(30*time.Minute)) // first note stops the first-contact ladder
	if !l.ProtectedUntil.Equal(claim.Add(7 * 24 * time.Hour)) {
		t.Fatalf("protection %s", l.ProtectedUntil)
	}
	want(TimerWarn, claim.Add(6*24*time.Hour))

	// Activity late in the window extends it, up to the hard maximum.
	Touched(l, p, claim.Add(6*24*time.Hour))
	if !l.ProtectedUntil.Equal(claim.Add(9 * 24 * time.Hour)) {
		t.Fatalf("extended protection %s", l.ProtectedUntil)
	}
	Touched(l, p, claim.Add(29*24*time.Hour))
	if !l.ProtectedUntil.Equal(claim.Add(30 * 24 * time.Hour)) {
		t.Fatalf("capped protection %s", l.ProtectedUntil)
	}
	l.FollowUpAt = claim.Add(24 * time.Hour)
	want(TimerFollowUp, claim.Add(24*time.Hour))
	l.FollowUpAt = time.Time{}
	l.WarnedAt = claim.Add(29 * 24 * time.Hour)
	want(TimerCardRefresh, claim.Add(13*24*time.Hour)) // the owner's DM card, counted from the claim
	l.CardsRefreshedAt = claim.Add(29 * 24 * time.Hour)
	want(TimerRecycle, claim.Add(30*24*time.Hour))
	e = fire(l, p, Timer{Kind: TimerRecycle}, claim.Add(30*24*time.Hour))
	if l.Owned() || l.PrevOwnerID != "ou_a" || l.PoolEpoch != 1 || e[0].Kind != EventRecycled {
		t.Fatalf("after recycle: %+v %+v", l, e)
	}
	want(TimerUnclaimed, claim.Add(30*24*time.Hour+5*time.Minute))

	l.Locked = true
	TakeOwnership(l, p, "ou_b", claim)
	l.FirstContactAt = claim
	want(TimerCardRefresh, claim.Add(13*24*time.Hour)) // a locked lead keeps only its card fresh
}
