package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// closeLead marks the lead lost, as a rep would.
func closeLead(t *testing.T, db *storage.DB, id int64) {
	t.Helper()
	_, err := db.MutateLead(context.Background(), id, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
		l.Stage = crm.StageLost
		l.ClosedAt = l.CreatedAt.Add(time.Minute)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIntakeDedupeWindow: inside a push source's window a second submission of the same contact is a touch
// on the first lead even after that lead was closed; outside it, or from another source, it is a new lead.
func TestIntakeDedupeWindow(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		first := mustIntake(t, db, newLead("r-1", "+8613811112222", ""))
		closeLead(t, db, first.Lead.ID)

		again := newLead("r-2", "+8613811112222", "")
		again.At = t0.Add(5 * time.Minute)
		again.DedupeSince = again.At.Add(-10 * time.Minute)
		res := mustIntake(t, db, again)
		if res.Status != crm.IntakeTouch || res.Lead.ID != first.Lead.ID {
			t.Fatalf("inside the window: %s on lead %d, want a touch on %d", res.Status, res.Lead.ID, first.Lead.ID)
		}

		late := newLead("r-3", "+8613811112222", "")
		late.At = t0.Add(30 * time.Minute)
		late.DedupeSince = late.At.Add(-10 * time.Minute)
		if res := mustIntake(t, db, late); res.Status != crm.IntakeCreated {
			t.Fatalf("outside the window: %s, want a new lead (the first is closed)", res.Status)
		}

		other := newLead("r-4", "+8613833334444", "")
		mustIntake(t, db, other)
		fromElsewhere := newLead("x-1", "+8613833334444", "")
		fromElsewhere.Source = "ads"
		fromElsewhere.At = t0.Add(time.Minute)
		fromElsewhere.DedupeSince = t0.Add(-10 * time.Minute)
		if res := mustIntake(t, db, fromElsewhere); res.Status != crm.IntakeTouch {
			// The open lead still takes the touch by the usual rule; the window only adds closed leads.
			t.Fatalf("another source with an open lead: %s, want touch", res.Status)
		}
	})
}

func TestRejectsRoundTripEncrypted(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for i, rec := range []string{`{"_widget_1002":"12345","_widget_1001":"韩梅梅"}`, `{"_widget_1002":"1"}`} {
			r := &crm.Reject{Source: "jdy", DeliveryID: "d-" + string(rune('a'+i)), Op: "data_create", ExternalID: "r",
				Field: "phone", Reason: "phone is not a phone number", Record: []byte(rec), At: t0.Add(time.Duration(i) * time.Minute)}
			if err := db.AddReject(ctx, r); err != nil || r.ID == 0 {
				t.Fatalf("AddReject: id %d, %v", r.ID, err)
			}
		}
		if err := db.AddReject(ctx, &crm.Reject{Source: "other", Reason: "x", At: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Rejects(ctx, "jdy", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].DeliveryID != "d-b" || string(got[1].Record) != `{"_widget_1002":"12345","_widget_1001":"韩梅梅"}` ||
			!got[1].At.Equal(t0) || got[1].Field != "phone" {
			t.Fatalf("Rejects = %+v", got)
		}
		var raw []byte
		if err := db.Bun().QueryRowContext(ctx, "SELECT record_enc FROM push_rejects WHERE delivery_id = 'd-a'").Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 || string(raw) == string(got[1].Record) {
			t.Errorf("the record is stored in clear")
		}
	})
}

func TestDeliverySeen(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if seen, err := db.DeliverySeen(ctx, "jdy", "d-1"); err != nil || seen {
			t.Fatalf("before: %v %v", seen, err)
		}
		if err := db.RecordDelivery(ctx, "jdy", "d-1"); err != nil {
			t.Fatal(err)
		}
		if seen, _ := db.DeliverySeen(ctx, "jdy", "d-1"); !seen {
			t.Error("a recorded delivery is not seen")
		}
		if seen, _ := db.DeliverySeen(ctx, "other", "d-1"); seen {
			t.Error("delivery ids leak between sources")
		}
	})
}
