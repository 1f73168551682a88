package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestPlatformTokenOneRefresherAtATime: two replicas find the access token refused at once; the row lock
// lets one spend the refresh token while the other waits and then takes its pair, so the platform sees one
// refresh (a second would spend a refresh token the first voided).
func TestPlatformTokenOneRefresherAtATime(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.RefreshPlatformToken(ctx, "feiyu", func(crm.PlatformToken, bool) (crm.PlatformToken, error) {
			return crm.PlatformToken{Access: "stale", Refresh: "r-0", Seed: "r-0"}, nil
		}); err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int32
		refresh := func(cur crm.PlatformToken, found bool) (crm.PlatformToken, error) {
			if found && cur.Access != "stale" {
				return cur, nil // another replica refreshed meanwhile
			}
			calls.Add(1)
			time.Sleep(50 * time.Millisecond) // the platform call, while the other replica waits
			return crm.PlatformToken{Access: "fresh", Refresh: "r-1", Seed: "r-0", AccessExpires: t0.Add(24 * time.Hour)}, nil
		}
		var wg sync.WaitGroup
		got := make([]crm.PlatformToken, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = db.RefreshPlatformToken(ctx, "feiyu", refresh)
			}()
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil || got[i].Access != "fresh" {
				t.Fatalf("replica %d: %+v %v", i, got[i], errs[i])
			}
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d refreshes, want 1", n)
		}
		stored, err := db.PlatformToken(ctx, "feiyu")
		if err != nil || stored.Access != "fresh" || stored.Refresh != "r-1" || stored.Seed != "r-0" || !stored.AccessExpires.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("stored %+v, %v", stored, err)
		}
	})
}

// TestPlatformTokenFailureRecorded: a failed refresh keeps the stored pair, is listed by TokenFailures and
// cleared by the next successful one.
func TestPlatformTokenFailureRecorded(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.PlatformToken(ctx, "gdt"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("no token yet: %v, want ENOTFOUND", err)
		}
		ok := func(crm.PlatformToken, bool) (crm.PlatformToken, error) {
			return crm.PlatformToken{Access: "a-1", Refresh: "r-1"}, nil
		}
		if _, err := db.RefreshPlatformToken(ctx, "gdt", ok); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("platform error 11012: Refresh token is expired.")
		_, err := db.RefreshPlatformToken(ctx, "gdt", func(crm.PlatformToken, bool) (crm.PlatformToken, error) { return crm.PlatformToken{}, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if tok, err := db.PlatformToken(ctx, "gdt"); err != nil || tok.Access != "a-1" {
			t.Errorf("after the failure the stored pair is %+v, %v", tok, err)
		}
		fails, err := db.TokenFailures(ctx)
		if err != nil || len(fails) != 1 || fails[0].Source != "gdt" || !strings.Contains(fails[0].Error, "11012") {
			t.Fatalf("failures = %+v, %v", fails, err)
		}
		if _, err := db.RefreshPlatformToken(ctx, "gdt", ok); err != nil {
			t.Fatal(err)
		}
		if fails, _ := db.TokenFailures(ctx); len(fails) != 0 {
			t.Errorf("failure not cleared: %+v", fails)
		}
	})
}
