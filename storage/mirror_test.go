package storage_test

import (
	"context"
	"testing"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestMirrorLedger: the leads table is the Base mirror's outbox. New leads are due; a saved record is not
// until its lead changes; an unanswered create comes first with its token; a record deleted in Base makes
// its lead due again; --all makes every lead due.
func TestMirrorLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a := mustIntake(t, db, newLead("a", "+8613800000001", "")).Lead
		b := mustIntake(t, db, newLead("b", "+8613800000002", "")).Lead
		c := mustIntake(t, db, newLead("c", "+8613800000003", "")).Lead
		const table = "tblTest"
		due := func() []crm.MirrorRow {
			t.Helper()
			rows, err := db.PendingMirror(ctx, table, 10)
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.CountPendingMirror(ctx, table)
			if err != nil || n != len(rows) {
				t.Fatalf("count %d (%v), rows %d", n, err, len(rows))
			}
			return rows
		}
		if rows := due(); len(rows) != 3 || rows[0].LeadID != a.ID || rows[0].RecordID != "" {
			t.Fatalf("new leads: %+v", rows)
		}
		if err := db.SaveMirror(ctx, table, []crm.MirrorRow{{LeadID: a.ID, RecordID: "recA", Rev: a.Rev},
			{LeadID: c.ID, Token: "tok-1"}}); err != nil {
			t.Fatal(err)
		}
		rows := due()
		if len(rows) != 2 || rows[0].LeadID != c.ID || rows[0].Token != "tok-1" || rows[1].LeadID != b.ID {
			t.Fatalf("unanswered create first, then the new lead: %+v", rows)
		}
		if _, err := db.MutateLead(ctx, a.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
		if rows := due(); len(rows) != 3 || rows[1].LeadID != a.ID || rows[1].RecordID != "recA" {
			t.Fatalf("a changed lead is due with its record: %+v", rows)
		}
		if row, err := db.MirrorByRecord(ctx, table, "recA"); err != nil || row.LeadID != a.ID {
			t.Fatalf("by record: %+v %v", row, err)
		}
		if _, err := db.MirrorByRecord(ctx, table, "recNone"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("unknown record: %v", err)
		}
		if err := db.SaveMirror(ctx, table, []crm.MirrorRow{{LeadID: a.ID, RecordID: "recA", Rev: a.Rev + 1},
			{LeadID: b.ID, RecordID: "recB", Rev: b.Rev}, {LeadID: c.ID, RecordID: "recC", Rev: c.Rev}}); err != nil {
			t.Fatal(err)
		}
		if rows := due(); len(rows) != 0 {
			t.Fatalf("all written: %+v", rows)
		}
		if rows, _ := db.PendingMirror(ctx, "tblOther", 10); len(rows) != 3 {
			t.Fatalf("another table has its own ledger: %+v", rows)
		}
		if err := db.ForgetMirror(ctx, table, []string{"recB"}); err != nil {
			t.Fatal(err)
		}
		if rows := due(); len(rows) != 1 || rows[0].LeadID != b.ID || rows[0].RecordID != "" {
			t.Fatalf("deleted record: %+v", rows)
		}
		if err := db.ResetMirror(ctx, table); err != nil {
			t.Fatal(err)
		}
		if rows := due(); len(rows) != 3 {
			t.Fatalf("after reset: %+v", rows)
		}
	})
}
