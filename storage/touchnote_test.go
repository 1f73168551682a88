package storage_test

import (
	"context"
	"testing"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestTouchKeepsNoteAndAuthor: every arrival keeps the note that came with it and who typed it in chat,
// the first one and a returning customer's; erasing the customer blanks the notes.
func TestTouchKeepsNoteAndAuthor(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := newLead("", "+8613800138000", "")
		first.Note, first.Author = "wants a demo", "ou_rep1"
		res, err := db.IntakeLead(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		again := newLead("", "+8613800138000", "")
		again.Source, again.Note, again.Author = crm.ChatSource, "展会上聊过，想要报价", "ou_rep2"
		touch, err := db.IntakeLead(ctx, again)
		if err != nil || touch.Status != crm.IntakeTouch {
			t.Fatalf("second arrival: %v, %v", touch, err)
		}
		ts, err := db.Touches(ctx, res.Lead.ID)
		if err != nil || len(ts) != 2 {
			t.Fatalf("touches = %v, %v", ts, err)
		}
		if ts[0].Note != "wants a demo" || ts[0].AuthorID != "ou_rep1" ||
			ts[1].Note != "展会上聊过，想要报价" || ts[1].AuthorID != "ou_rep2" || ts[1].Source != crm.ChatSource {
			t.Errorf("touches kept %+v", ts)
		}
		if err := db.ForgetCustomer(ctx, res.Customer.ID, t0); err != nil {
			t.Fatal(err)
		}
		ts, _ = db.Touches(ctx, res.Lead.ID)
		for _, tc := range ts {
			if tc.Note != "" {
				t.Errorf("an erased customer's touch keeps its note %q", tc.Note)
			}
		}
	})
}
