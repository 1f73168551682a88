package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// TestDigestFiguresFixtureWeek checks every figure of the fixture week (see fixtureWeek) against values
// computed by hand, on both dialects.
func TestDigestFiguresFixtureWeek(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fixtureWeek(t, db)
		w48, err := crm.ISOWeek(2026, 48, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.DigestFigures(ctx, crm.DigestQuery{Pools: []string{"east"}, Start: w48.Start, End: w48.End})
		if err != nil {
			t.Fatal(err)
		}
		want := &crm.DigestFigures{
			NewLeads: 3, // L1, L2 and L3 (Sunday 23:30 local); not L4 (Monday 00:30 local, still Sunday in UTC)
			Sources: []crm.SourceCount{
				{Source: "web-form", Campaign: "双11", FirstTouch: 2, LastTouch: 1},
				{Source: "ads", Campaign: "春季", FirstTouch: 1, LastTouch: 2}, // L1's later touch moves it here
			},
			// Waits 600, 1800, 86400, 255600 s: p50 at rank 1.5 = 1800 + 0.5·84600; p90 at rank 2.7 = 86400 + 0.7·169200.
			Claims:    4,
			ClaimTime: crm.Percentiles{N: 4, P50: sec(44100), P90: sec(204840)},
			// Contacts after 1800, 1800, 18000 s: p90 at rank 1.8 = 1800 + 0.8·16200.
			FirstContact: crm.Percentiles{N: 3, P50: sec(1800), P90: sec(14760)},
			Breaches: []crm.BreachCount{
				{Clock: "unclaimed", Step: 0, Action: crm.ActionRemindPool, Count: 1},
				{Clock: "first_contact", Step: 0, Action: crm.ActionRemindOwner, Count: 1},
				{Clock: "first_contact", Step: 1, Action: crm.ActionEscalate, Count: 1},
			},
			BreachesRep: []crm.BreachCount{{Clock: "first_contact", OwnerID: "ou_b", Count: 2}},
			Recycled:    1,
			// L1 passed contacted, qualified and won but skipped proposal; L2 was contacted, then lost.
			Funnel: []crm.StageCount{{Stage: crm.StageNew, Count: 3}, {Stage: crm.StageContacted, Count: 2},
				{Stage: crm.StageQualified, Count: 1}, {Stage: crm.StageProposal, Count: 0}, {Stage: crm.StageWon, Count: 1}},
			CohortLost:  1,
			Won:         1,
			Lost:        2,
			Revenue:     50000,
			LostReasons: []crm.KeyCount{{Key: "no_response", Count: 1}, {Key: "price", Count: 1}},
			Quality: []crm.QualityCount{{Source: "ads", Quality: crm.QualityDuplicate, Count: 1},
				{Source: "web-form", Quality: crm.QualityInvalidNumber, Count: 1}},
			InsightTags: []crm.KeyCount{{Key: "企业版", Count: 2}, {Key: "预算充足", Count: 1}},
			Leaders: []crm.RepFigures{{OpenID: "ou_a", Claims: 3, Contacts: 2, Wins: 1},
				{OpenID: "ou_b", Claims: 1, Contacts: 1}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("W48 east figures (-want +got):\n%s", diff)
		}

		// The week before: L5 and L6 arrived then; everything that happened to them later stays out.
		w47 := w48.Prev()
		prev, err := db.DigestFigures(ctx, crm.DigestQuery{Pools: []string{"east"}, Start: w47.Start, End: w47.End})
		if err != nil {
			t.Fatal(err)
		}
		wantPrev := &crm.DigestFigures{
			NewLeads:     2,
			Sources:      []crm.SourceCount{{Source: "ads", Campaign: "春季", FirstTouch: 1, LastTouch: 1}, {Source: "web-form", Campaign: "双11", FirstTouch: 1, LastTouch: 1}},
			Claims:       1,
			ClaimTime:    crm.Percentiles{N: 1, P50: sec(300), P90: sec(300)},
			FirstContact: crm.Percentiles{},
			Funnel: []crm.StageCount{{Stage: crm.StageNew, Count: 2}, {Stage: crm.StageContacted}, {Stage: crm.StageQualified},
				{Stage: crm.StageProposal}, {Stage: crm.StageWon}},
			InsightTags: []crm.KeyCount{},
			Leaders:     []crm.RepFigures{{OpenID: "ou_b", Claims: 1}},
		}
		if diff := cmp.Diff(wantPrev, prev); diff != "" {
			t.Errorf("W47 east figures (-want +got):\n%s", diff)
		}

		all, err := db.DigestFigures(ctx, crm.DigestQuery{Start: w48.Start, End: w48.End})
		if err != nil {
			t.Fatal(err)
		}
		if all.NewLeads != 4 || all.Won != 2 || all.Revenue != 57000 || all.Claims != 5 {
			t.Errorf("all pools: new %d won %d revenue %d claims %d, want 4 2 57000 5", all.NewLeads, all.Won, all.Revenue, all.Claims)
		}
		if got := all.InsightTags; len(got) != 3 || got[1] != (crm.KeyCount{Key: "west-only", Count: 1}) {
			t.Errorf("all pools insight tags = %v, want west-only counted too", got)
		}
		none, err := db.DigestFigures(ctx, crm.DigestQuery{Pools: []string{}, Start: w48.Start, End: w48.End})
		if err != nil {
			t.Fatal(err)
		}
		if none.NewLeads != 0 || none.Claims != 0 {
			t.Errorf("an empty pool list selected %d leads and %d claims", none.NewLeads, none.Claims)
		}
	})
}

func TestFeedbackFiguresFixtureWeek(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := fixtureWeek(t, db)
		w48, _ := crm.ISOWeek(2026, 48, shanghai)
		got, err := db.FeedbackFigures(ctx, w48.Start, w48.End)
		if err != nil {
			t.Fatal(err)
		}
		want := &crm.FeedbackFigures{
			Rows: []crm.FeedbackRow{
				// L1, L2 (east) and L7 (west): all claimed and contacted, L1 and L7 won, L2 rated invalid and lost.
				{Source: "web-form", Campaign: "双11", Leads: 3, Claimed: 3, Contacted: 3, Won: 2, Verdicts: 1, Invalid: 1,
					LostReasons: []crm.KeyCount{{Key: "no_response", Count: 1}}},
				{Source: "ads", Campaign: "春季", Leads: 1}, // L3, untouched; L5's verdict belongs to W47's leads
			},
			Mark: strconv.FormatInt(max(ids.l2Feedback, ids.l2Lost), 10),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("feedback figures (-want +got):\n%s", diff)
		}
		// Until Tuesday 09:30 local: L2's verdict is in, its loss and L1's, L7's wins are not.
		early, err := db.FeedbackFigures(ctx, w48.Start, local(24, 9, 30))
		if err != nil {
			t.Fatal(err)
		}
		if early.Mark != strconv.FormatInt(ids.l2Feedback, 10) {
			t.Errorf("mark until Tuesday = %q, want the invalid-number verdict %d", early.Mark, ids.l2Feedback)
		}
		empty, err := db.FeedbackFigures(ctx, local(1, 0, 0), local(2, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(empty.Rows) != 0 || empty.Mark != "" {
			t.Errorf("empty window = %+v, want no rows and no mark", empty)
		}
	})
}

func TestMarkPosted(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		at := local(23, 9, 0)
		if fp, err := db.LastPosted(ctx, "digest", "east-2026-W48"); err != nil || fp != "" {
			t.Fatalf("LastPosted before = %q, %v; want empty", fp, err)
		}
		steps := []struct {
			kind, key, fp string
			first         bool
		}{
			{"digest", "east-2026-W48", "sent", true},
			{"digest", "east-2026-W48", "sent", false}, // a second replica
			{"feedback", "ops", "41", true},
			{"feedback", "ops", "41", false},
			{"feedback", "ops", "57", true}, // something new
			{"digest", "west-2026-W48", "sent", true},
		}
		for i, s := range steps {
			first, err := db.MarkPosted(ctx, s.kind, s.key, s.fp, at.Add(time.Duration(i)*time.Minute))
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if first != s.first {
				t.Errorf("step %d MarkPosted(%s, %s, %s) first = %v, want %v", i, s.kind, s.key, s.fp, first, s.first)
			}
		}
		if fp, err := db.LastPosted(ctx, "feedback", "ops"); err != nil || fp != "57" {
			t.Errorf("LastPosted feedback = %q, %v; want 57", fp, err)
		}
	})
}
