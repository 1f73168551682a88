package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestLeadTasks: the task record round-trips; a lead with a pending follow-up and no record lags, and stops
// lagging once the record reflects its revision; an open task lags again when the lead changes; the check
// reads open tasks not checked lately and leaves a record alone that moved on to another task.
func TestLeadTasks(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		far := t0.Add(365 * 24 * time.Hour)
		l := mustIntake(t, db, newLead("t-1", "+8613812340001", "")).Lead
		if rec, err := db.LeadTask(ctx, l.ID); err != nil || rec != (crm.FollowUpTask{LeadID: l.ID}) {
			t.Fatalf("no record: %+v, %v", rec, err)
		}
		if ids, err := db.LaggingTasks(ctx, far, 10); err != nil || len(ids) != 0 {
			t.Fatalf("lagging without a follow-up: %v, %v", ids, err)
		}
		l, err := db.MutateLead(ctx, l.ID, l.Rev, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.OwnerID, l.FollowUpAt = "ou_rep", t0.Add(24*time.Hour)
			return []crm.LeadEvent{crm.NewEvent(crm.EventFollowUpSet, "ou_rep", t0, "at", "x")}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids, err := db.LaggingTasks(ctx, far, 10); err != nil || !cmp.Equal(ids, []int64{l.ID}) {
			t.Fatalf("lagging with a follow-up: %v, %v", ids, err)
		}
		rec := crm.FollowUpTask{LeadID: l.ID, GUID: "g-1", OwnerID: "ou_rep", Due: t0.Add(24 * time.Hour), EventID: 9, Rev: l.Rev}
		if err := db.SaveLeadTask(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if got, err := db.LeadTask(ctx, l.ID); err != nil || !cmp.Equal(got, rec) {
			t.Fatalf("round trip: %s %v", cmp.Diff(rec, got), err)
		}
		if ids, _ := db.LaggingTasks(ctx, far, 10); len(ids) != 0 {
			t.Fatalf("lagging once synced: %v", ids)
		}
		if _, err := db.MutateLead(ctx, l.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.FollowUpAt = time.Time{}
			return []crm.LeadEvent{crm.NewEvent(crm.EventNote, "ou_rep", t0, "followup", "done")}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if ids, _ := db.LaggingTasks(ctx, far, 10); !cmp.Equal(ids, []int64{l.ID}) {
			t.Fatalf("an open task of a changed lead does not lag: %v", ids)
		}
		open, err := db.OpenTasks(ctx, t0, 10)
		if err != nil || len(open) != 1 || open[0].GUID != "g-1" {
			t.Fatalf("open tasks: %+v, %v", open, err)
		}
		if err := db.MarkTaskChecked(ctx, l.ID, "g-other", t0, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.LeadTask(ctx, l.ID); got.Done {
			t.Fatal("a check of another task marked this one done")
		}
		if err := db.MarkTaskChecked(ctx, l.ID, "g-1", t0, false); err != nil {
			t.Fatal(err)
		}
		if open, _ := db.OpenTasks(ctx, t0, 10); len(open) != 0 {
			t.Fatalf("checked at t0 but still due for a check before t0: %+v", open)
		}
		if err := db.MarkTaskChecked(ctx, l.ID, "g-1", t0, true); err != nil {
			t.Fatal(err)
		}
		if open, _ := db.OpenTasks(ctx, far, 10); len(open) != 0 {
			t.Fatalf("a done task is still open: %+v", open)
		}
	})
}
