package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func TestPendingEventsAndMarkNotified(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("p-1", "+8613812345678", "")).Lead
		if _, err := db.MutateLead(ctx, l.ID, 0, func(*crm.Lead) ([]crm.LeadEvent, error) {
			a := crm.NewEvent(crm.EventReminded, "", t0.Add(time.Minute), "step", "1")
			a.Notify = true
			b := crm.NewEvent(crm.EventNote, "ou_rep", t0.Add(2*time.Minute))
			c := crm.NewEvent(crm.EventEscalated, "", t0.Add(3*time.Minute), "step", "2")
			c.Notify = true
			return []crm.LeadEvent{a, b, c}, nil
		}); err != nil {
			t.Fatal(err)
		}
		pending, err := db.PendingEvents(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if kinds := eventKinds(pending); !cmp.Equal(kinds, []crm.EventKind{crm.EventReminded, crm.EventEscalated}) {
			t.Fatalf("pending = %v, want reminded, escalated", kinds)
		}
		at := t0.Add(time.Hour)
		if err := db.MarkNotified(ctx, pending[0].ID, at); err != nil {
			t.Fatal(err)
		}
		// A second delivery report (a job that ran twice) keeps the first time.
		if err := db.MarkNotified(ctx, pending[0].ID, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		pending2, err := db.PendingEvents(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending2) != 1 || pending2[0].ID != pending[1].ID {
			t.Errorf("pending after marking = %+v, want only the escalation", pending2)
		}
		tl, err := db.Timeline(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tl {
			if e.ID == pending[0].ID && !e.NotifiedAt.Equal(at) {
				t.Errorf("notified at %v, want %v", e.NotifiedAt, at)
			}
		}
		if err := db.MarkNotified(ctx, 999999, at); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("MarkNotified unknown event: %v, want ENOTFOUND", err)
		}
	})
}

func eventKinds(es []crm.LeadEvent) []crm.EventKind {
	var out []crm.EventKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

func TestDueLeadsOrder(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		due := map[string]time.Time{ // lead → NextDueAt; zero: no timer
			"d-late": t0.Add(30 * time.Minute), "d-early": t0.Add(10 * time.Minute),
			"d-none": {}, "d-future": t0.Add(3 * time.Hour), "d-now": t0.Add(time.Hour),
		}
		ids := map[string]int64{}
		i := 0
		for name, at := range due {
			i++
			in := newLead(name, fmt.Sprintf("+86138000000%02d", i), "")
			in.Created = func(l *crm.Lead) []crm.LeadEvent { l.NextDueAt = at; return nil }
			ids[name] = mustIntake(t, db, in).Lead.ID
		}
		got, err := db.DueLeads(ctx, t0.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []crm.DueLead{{ID: ids["d-early"], Due: due["d-early"]}, {ID: ids["d-late"], Due: due["d-late"]},
			{ID: ids["d-now"], Due: due["d-now"]}}
		if !cmp.Equal(got, want) {
			t.Errorf("DueLeads = %v, want %v (early, late, now)", got, want)
		}
		got, err = db.DueLeads(ctx, t0.Add(time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(got, want[:2]) {
			t.Errorf("DueLeads limit 2 = %v, want %v", got, want[:2])
		}
	})
}

func TestUnsyncedLeads(t *testing.T) {
	t.Parallel()
	clock := t0
	open := func(t *testing.T) *storage.DB {
		opts := storagetest.Options()
		opts.Now = func() time.Time { return clock }
		if t.Name() == "TestUnsyncedLeads/postgres" {
			return storagetest.OpenURL(t, storagetest.EmptyPostgres(t), opts)
		}
		return storagetest.OpenURL(t, t.TempDir()+"/u.db", opts)
	}
	for _, dialect := range []string{storage.DialectPostgres, storage.DialectSQLite} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			lead := func(name string, at time.Time) int64 {
				clock = at
				return mustIntake(t, db, newLead(name, "", name+"@example.com")).Lead.ID
			}
			// Created at rev 1 with no cards yet: all three lag.
			newer, older, synced := lead("u-newer", t0.Add(2*time.Minute)), lead("u-older", t0.Add(time.Minute)), lead("u-synced", t0)
			clock = t0.Add(3 * time.Minute)
			if err := db.SetCardState(ctx, synced, crm.CardState{PoolMessageID: "om_1", CardsRev: 1}); err != nil {
				t.Fatal(err)
			}
			got, err := db.UnsyncedLeads(ctx, t0.Add(10*time.Minute), 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int64{older, newer}; !cmp.Equal(got, want) {
				t.Errorf("UnsyncedLeads = %v, want %v (least recently changed first)", got, want)
			}
			// Too recent a change is left to the wake-up that is already on its way.
			if got, err := db.UnsyncedLeads(ctx, t0.Add(90*time.Second), 0); err != nil || !cmp.Equal(got, []int64{older}) {
				t.Errorf("UnsyncedLeads before the newer change = %v, %v; want [%d]", got, err, older)
			}
			// Cards in sync but a notification pending: still unsynced.
			clock = t0.Add(4 * time.Minute)
			if _, err := db.MutateLead(ctx, synced, 0, func(*crm.Lead) ([]crm.LeadEvent, error) {
				e := crm.NewEvent(crm.EventReminded, "", clock)
				e.Notify = true
				return []crm.LeadEvent{e}, nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetCardState(ctx, synced, crm.CardState{PoolMessageID: "om_1", CardsRev: 2}); err != nil {
				t.Fatal(err)
			}
			got, err = db.UnsyncedLeads(ctx, t0.Add(10*time.Minute), 2)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int64{older, newer}; !cmp.Equal(got, want) {
				t.Errorf("UnsyncedLeads limit 2 = %v, want %v", got, want)
			}
			got, err = db.UnsyncedLeads(ctx, t0.Add(10*time.Minute), 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int64{older, newer, synced}; !cmp.Equal(got, want) {
				t.Errorf("UnsyncedLeads = %v, want %v (the pending notification counts)", got, want)
			}
		})
	}
}

func TestListLeads(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		mk := func(name, pool string, at time.Time) int64 {
			in := newLead(name, "", name+"@example.com")
			in.Pool, in.At = pool, at
			return mustIntake(t, db, in).Lead.ID
		}
		e1, e2, w1 := mk("l-e1", "east", t0), mk("l-e2", "east", t0.Add(time.Minute)), mk("l-w1", "west", t0.Add(2*time.Minute))
		if _, err := db.ClaimLead(ctx, e2, 0, "ou_amy", t0, claimAs("ou_amy", t0, 0)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MutateLead(ctx, w1, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Stage = crm.StageLost
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    crm.LeadFilter
			want []int64
		}{
			{crm.LeadFilter{}, []int64{w1, e2, e1}},
			{crm.LeadFilter{Limit: 2}, []int64{w1, e2}},
			{crm.LeadFilter{Pool: "east"}, []int64{e2, e1}},
			{crm.LeadFilter{Pool: "east", Unclaimed: true}, []int64{e1}},
			{crm.LeadFilter{OwnerID: "ou_amy"}, []int64{e2}},
			{crm.LeadFilter{OpenOnly: true}, []int64{e2, e1}},
			{crm.LeadFilter{Pool: "west", OpenOnly: true}, nil},
		} {
			got, err := db.ListLeads(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, l := range got {
				ids = append(ids, l.ID)
			}
			if !cmp.Equal(ids, c.want) {
				t.Errorf("ListLeads(%+v) = %v, want %v", c.f, ids, c.want)
			}
		}
	})
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		checks := map[string]error{}
		_, checks["Lead"] = db.Lead(ctx, 42)
		_, checks["Customer"] = db.Customer(ctx, 42)
		_, checks["Timeline"] = db.Timeline(ctx, 42)
		_, checks["Touches"] = db.Touches(ctx, 42)
		_, checks["Member"] = db.Member(ctx, "ou_nobody")
		for name, err := range checks {
			if crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("%s: err = %v, want ENOTFOUND", name, err)
			}
		}
	})
}
