package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestRosters: a pool never refreshed is ENOTFOUND (not an empty pool); a refresh replaces the members; a
// leaver is dropped from every roster, and an emptied roster stays known.
func TestRosters(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		if _, err := db.Roster(ctx, "east"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("never refreshed: %v, want ENOTFOUND", err)
		}
		if err := db.SetRoster(ctx, "east", []string{"ou_b", "ou_a"}, at); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRoster(ctx, "west", []string{"ou_a"}, at); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRoster(ctx, "east", []string{"ou_a", "ou_c"}, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Roster(ctx, "east"); err != nil || !slices.Equal(got, []string{"ou_a", "ou_c"}) {
			t.Fatalf("east after refresh: %v %v", got, err)
		}
		pools, err := db.DropMember(ctx, "ou_a")
		if err != nil || !slices.Equal(pools, []string{"east", "west"}) {
			t.Fatalf("drop: %v %v, want east and west", pools, err)
		}
		if got, err := db.Roster(ctx, "west"); err != nil || len(got) != 0 {
			t.Fatalf("west after the drop: %v %v, want known and empty", got, err)
		}
	})
}
