package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func TestMutateLeadWritesEveryField(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		created := mustIntake(t, db, newLead("m-1", "+8613812345678", "")).Lead
		at := t0.Add(time.Hour)
		var want crm.Lead
		got, err := db.MutateLead(ctx, created.ID, created.Rev, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Campaign, l.UTM, l.Tags, l.Note = "c2", map[string]string{"k": "v"}, []string{"a", "b"}, "n2"
			l.Attributes = map[string]any{"nested": map[string]any{"x": true}}
			l.Pool, l.Stage, l.OwnerID, l.Locked = "west", crm.StageWon, "ou_rep", true
			l.PooledAt, l.ClaimedAt, l.FirstContactAt = at, at.Add(time.Minute), at.Add(2*time.Minute)
			l.LastActivityAt, l.ProtectedUntil, l.FollowUpAt = at.Add(3*time.Minute), at.Add(7*24*time.Hour), at.Add(time.Hour)
			l.ClosedAt, l.LostReason, l.Value = at.Add(4*time.Minute), "none", 990000
			l.PrevOwnerID, l.ReleasedAt = "ou_prev", at.Add(-time.Hour)
			l.SLAStep, l.WarnedAt, l.NextDueAt, l.PoolEpoch = 3, at.Add(5*time.Minute), time.Time{}, 2
			want = *l
			e := crm.NewEvent(crm.EventStageChanged, "ou_rep", at, "stage", "won")
			e.Notify = true
			return []crm.LeadEvent{e}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want.Rev = created.Rev + 1
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("returned lead (-want +got):\n%s", diff)
		}
		stored, err := db.Lead(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, stored); diff != "" {
			t.Errorf("stored lead (-want +got):\n%s", diff)
		}
		tl, err := db.Timeline(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := tl[len(tl)-1]
		wantEvent := crm.LeadEvent{ID: last.ID, LeadID: created.ID, Kind: crm.EventStageChanged, ActorID: "ou_rep",
			At: at, Data: map[string]string{"stage": "won"}, Notify: true}
		if len(tl) != 2 || !cmp.Equal(wantEvent, last) {
			t.Errorf("timeline = %+v, want created then %+v", tl, wantEvent)
		}
	})
}

func TestMutateLeadStaleRevisionConflicts(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("s-1", "+8613812345678", "")).Lead
		bump := func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.SLAStep++
			return []crm.LeadEvent{crm.NewEvent(crm.EventReminded, "", t0)}, nil
		}
		if _, err := db.MutateLead(ctx, l.ID, l.Rev, bump); err != nil {
			t.Fatal(err)
		}
		ran := false
		_, err := db.MutateLead(ctx, l.ID, l.Rev, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			ran = true
			return bump(l)
		})
		if crm.ErrorCode(err) != crm.ECONFLICT {
			t.Fatalf("stale rev: err = %v, want ECONFLICT", err)
		}
		if ran {
			t.Error("fn ran although the revision was stale")
		}
		assertLead(t, db, l.ID, 2, 1, 2)

		if _, err := db.MutateLead(ctx, 999999, 0, bump); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("unknown lead: err = %v, want ENOTFOUND", err)
		}
	})
}

func TestMutateLeadFnErrorAborts(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("e-1", "+8613812345678", "")).Lead
		refusal := crm.Bilingual(crm.EFORBIDDEN, "不是你的线索", "Not your lead")
		_, err := db.MutateLead(ctx, l.ID, l.Rev, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.SLAStep = 9
			return []crm.LeadEvent{crm.NewEvent(crm.EventNote, "x", t0)}, refusal
		})
		if err != refusal {
			t.Fatalf("err = %v, want fn's error unchanged", err)
		}
		plain := errors.New("scheduler down")
		if _, err := db.MutateLead(ctx, l.ID, 0, func(*crm.Lead) ([]crm.LeadEvent, error) { return nil, plain }); err != plain {
			t.Fatalf("err = %v, want fn's plain error unchanged", err)
		}
		assertLead(t, db, l.ID, 1, 0, 1)
	})
}

func TestMutateLeadRevZeroRetriesUnderConcurrency(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("r-1", "+8613812345678", "")).Lead
		const n = 10
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.MutateLead(ctx, l.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
					l.SLAStep++
					return []crm.LeadEvent{crm.NewEvent(crm.EventReminded, "", t0)}, nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("MutateLead: %v", err)
			}
		}
		assertLead(t, db, l.ID, 1+n, n, 1+n)
	})
}

func TestMutateLeadAndCardState(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("k-1", "+8613812345678", "")).Lead
		want := crm.CardState{PoolMessageID: "om_pool", OwnerMessageID: "om_dm", OwnerCardFor: "ou_rep", CardsRev: 1}
		if err := db.SetCardState(ctx, l.ID, want); err != nil {
			t.Fatal(err)
		}
		assertLead(t, db, l.ID, 1, 0, 1) // no revision bump
		// A write whose fn leaves the message ids alone keeps them.
		if _, err := db.MutateLead(ctx, l.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Note = "changed"
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		cs, err := db.CardState(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cs != want {
			t.Errorf("card state = %+v, want %+v", cs, want)
		}
		// A write that clears the pool card (a recycle posts a fresh one) is honoured.
		got, err := db.MutateLead(ctx, l.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			if l.PoolMessageID != "om_pool" {
				t.Errorf("fn saw pool message %q", l.PoolMessageID)
			}
			l.PoolMessageID, l.PoolEpoch = "", l.PoolEpoch+1
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cs, err = db.CardState(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cs.PoolMessageID != "" || cs.OwnerMessageID != "om_dm" || got.PoolEpoch != 1 {
			t.Errorf("after clearing: card state %+v, epoch %d", cs, got.PoolEpoch)
		}
		if err := db.SetCardState(ctx, 999999, want); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("SetCardState unknown lead: %v, want ENOTFOUND", err)
		}
		if _, err := db.CardState(ctx, 999999); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("CardState unknown lead: %v, want ENOTFOUND", err)
		}
	})
}

// assertLead checks the stored revision, SLA step and timeline length.
func assertLead(t *testing.T, db *storage.DB, id, rev int64, slaStep, events int) {
	t.Helper()
	l, err := db.Lead(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := db.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Rev != rev || l.SLAStep != slaStep || len(tl) != events {
		t.Errorf("lead rev %d step %d events %d, want rev %d step %d events %d", l.Rev, l.SLAStep, len(tl), rev, slaStep, events)
	}
}

// A rule that looks something up while the write transaction is open (the owner's name, say) must not
// hang: on SQLite reads go through their own pool, beside the single writer.
func TestReadsInsideMutateFn(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		l := mustIntake(t, db, newLead("in-fn", "+8613812345678", "")).Lead
		if err := db.SaveMember(ctx, crm.Member{OpenID: "ou_amy", Name: "Amy"}); err != nil {
			t.Fatal(err)
		}
		_, err := db.MutateLead(ctx, l.ID, l.Rev, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			m, err := db.Member(ctx, "ou_amy")
			if err != nil {
				return nil, err
			}
			if _, err := db.Lead(ctx, l.ID); err != nil {
				return nil, err
			}
			l.OwnerID = m.OpenID
			return nil, nil
		})
		if err != nil {
			t.Fatalf("MutateLead with reads in fn: %v", err)
		}
	})
}
