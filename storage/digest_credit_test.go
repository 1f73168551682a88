package storage_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestDigestCreditsWhoMadeFirstContact: in week 2026-W48 (Shanghai), pool east —
//
//	A: claimed by ou_a Mon 10:00, first contact by ou_a Mon 11:00 (stage contacted), reassigned to ou_b
//	   Tue 10:00 (the lead row's first contact is reset), first contact by ou_b Wed 10:00; owned by ou_b.
//	B: claimed by ou_c Mon 10:00; the manager ou_m made the first contact (a note) Mon 12:00.
//	C: claimed by ou_a Mon 10:00 and won Tue 15:00 straight from new (the close is its first contact).
//
// Each first contact counts for whoever made it, however the lead moved afterwards, and the funnel counts
// only the stages each lead passed: C counts at won but not at qualified or proposal.
func TestDigestCreditsWhoMadeFirstContact(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := &fixture{tb: t, db: db, ctx: context.Background()}
		a, _ := f.lead(fixtureLead{source: "web-form", pool: "east", stage: "contacted", owner: "ou_b",
			created: local(23, 9, 0), pooled: local(23, 9, 0), claimed: local(24, 10, 0), contacted: local(25, 10, 0)})
		f.claim(a, "east", "ou_a", local(23, 9, 0), local(23, 10, 0))
		f.event(a, "first_contact", "ou_a", local(23, 11, 0), "owner", "ou_a")
		f.event(a, "stage_changed", "ou_a", local(23, 11, 0), "from", "new", "to", "contacted")
		f.owner(a, "east", "ou_a", "ou_b", local(24, 10, 0))
		f.event(a, "reassigned", "ou_m", local(24, 10, 0), "from", "ou_a", "to", "ou_b")
		f.event(a, "first_contact", "ou_b", local(25, 10, 0), "owner", "ou_b")

		b, _ := f.lead(fixtureLead{source: "web-form", pool: "east", stage: "new", owner: "ou_c",
			created: local(23, 9, 0), pooled: local(23, 9, 0), claimed: local(23, 10, 0), contacted: local(23, 12, 0)})
		f.claim(b, "east", "ou_c", local(23, 9, 0), local(23, 10, 0))
		f.event(b, "note", "ou_m", local(23, 12, 0), "text", "called for ou_c")
		f.event(b, "first_contact", "ou_m", local(23, 12, 0), "owner", "ou_c")

		c, _ := f.lead(fixtureLead{source: "web-form", pool: "east", stage: "won", owner: "ou_a", value: 100,
			created: local(23, 9, 0), pooled: local(23, 9, 0), claimed: local(23, 10, 0), contacted: local(24, 15, 0),
			closed: local(24, 15, 0)})
		f.claim(c, "east", "ou_a", local(23, 9, 0), local(23, 10, 0))
		f.event(c, "first_contact", "ou_a", local(24, 15, 0), "owner", "ou_a")
		f.event(c, "stage_changed", "ou_a", local(24, 15, 0), "from", "new", "to", "won", "value", "100")

		w48, err := crm.ISOWeek(2026, 48, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.DigestFigures(context.Background(), crm.DigestQuery{Pools: []string{"east"}, Start: w48.Start, End: w48.End})
		if err != nil {
			t.Fatal(err)
		}
		wantLeaders := []crm.RepFigures{
			{OpenID: "ou_a", Claims: 2, Contacts: 2, Wins: 1}, // A's first call and C's close
			{OpenID: "ou_b", Claims: 1, Contacts: 1},          // A after the reassignment
			{OpenID: "ou_m", Contacts: 1},                     // B: the manager made the call, not ou_c
			{OpenID: "ou_c", Claims: 1},
		}
		if diff := cmp.Diff(wantLeaders, got.Leaders); diff != "" {
			t.Errorf("leaderboard (-want +got):\n%s", diff)
		}
		wantFunnel := []crm.StageCount{{Stage: crm.StageNew, Count: 3}, {Stage: crm.StageContacted, Count: 3},
			{Stage: crm.StageQualified, Count: 0}, {Stage: crm.StageProposal, Count: 0}, {Stage: crm.StageWon, Count: 1}}
		if diff := cmp.Diff(wantFunnel, got.Funnel); diff != "" {
			t.Errorf("funnel (-want +got):\n%s", diff)
		}
	})
}
