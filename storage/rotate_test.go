package storage_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// eachURL runs fn on PostgreSQL and on SQLite with the URL of a fresh migrated database, for tests that
// reopen it with other keys.
func eachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run(storage.DialectPostgres, func(t *testing.T) {
		url := storagetest.EmptyPostgres(t)
		db := storagetest.OpenURL(t, url, storagetest.Options())
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, url)
	})
	t.Run(storage.DialectSQLite, func(t *testing.T) {
		url := filepath.Join(t.TempDir(), "baton.db")
		db := storagetest.OpenURL(t, url, storagetest.Options())
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, url)
	})
}

func testKey(name string) []byte {
	k := sha256.Sum256([]byte(name))
	return k[:]
}

func keyOpts(current []byte, old ...[]byte) storage.Options {
	return storage.Options{DataKey: current, OldKeys: old, Logger: slog.New(slog.DiscardHandler)}
}

// TestLookupsSurviveKeyRotation: after the data key moves to the old keys, a customer is still found by
// phone and email (personal-data requests, /insights, intake's dedupe), and `keys rotate` moves every
// value and hash to the new key in resumable batches, after which the old key can go.
func TestLookupsSurviveKeyRotation(t *testing.T) {
	t.Parallel()
	eachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		keyA, keyB := testKey("rotation key A"), testKey("rotation key B")
		before := storagetest.OpenURL(t, url, keyOpts(keyA))
		var ids []int64
		for i := range 7 {
			res := mustIntake(t, before, newLead(fmt.Sprintf("rot-%d", i), fmt.Sprintf("+86138000000%02d", i), fmt.Sprintf("r%d@example.com", i)))
			ids = append(ids, res.Customer.ID)
		}
		erased := mustIntake(t, before, newLead("rot-erased", "+8613800000099", ""))
		if err := before.ForgetCustomer(ctx, erased.Customer.ID, t0); err != nil {
			t.Fatal(err)
		}
		_ = before.Close()

		// Rotated: B is current, A only decrypts.
		db := storagetest.OpenURL(t, url, keyOpts(keyB, keyA))
		if id, err := db.CustomerIDByContact(ctx, "+8613800000001", ""); err != nil || id != ids[1] {
			t.Errorf("lookup by phone after rotation = %d, %v; want %d", id, err, ids[1])
		}
		if id, err := db.CustomerIDByContact(ctx, "", "r2@example.com"); err != nil || id != ids[2] {
			t.Errorf("lookup by email after rotation = %d, %v; want %d", id, err, ids[2])
		}
		if m, err := db.FindCustomers(ctx, crm.CustomerQuery{Phone: "+8613800000003", Limit: 2}); err != nil || len(m) != 1 || m[0].Customer.ID != ids[3] {
			t.Errorf("insight lookup after rotation = %v, %v", m, err)
		}
		// The same phone arriving again is a touch on the known customer, not a second customer.
		again := mustIntake(t, db, newLead("rot-again", "+8613800000004", ""))
		if again.Status != crm.IntakeTouch || again.Customer.ID != ids[4] {
			t.Errorf("repeat arrival after rotation: %s on customer %d; want a touch on %d", again.Status, again.Customer.ID, ids[4])
		}

		// Rotate in batches of 3, stopping after the first batch as if interrupted, then resuming.
		var seen []storage.RotateProgress
		first, err := db.RotateKeys(ctx, storage.RotateOptions{Batch: 3, MaxBatches: 1}, func(p storage.RotateProgress) { seen = append(seen, p) })
		if err != nil {
			t.Fatal(err)
		}
		if first.Checked != 3 || first.LastID != ids[2] || len(seen) != 1 {
			t.Errorf("first batch = %+v (%d reports); want 3 checked up to id %d", first, len(seen), ids[2])
		}
		rest, err := db.RotateKeys(ctx, storage.RotateOptions{Batch: 3, After: first.LastID}, func(p storage.RotateProgress) { seen = append(seen, p) })
		if err != nil {
			t.Fatal(err)
		}
		// Every live customer moves to B; the erased one has nothing to move.
		if got := first.Rotated + rest.Rotated; got != 7 || rest.Checked != 5 || rest.Current != 1 || len(rest.Conflicts)+len(rest.Undecryptable) != 0 {
			t.Errorf("rotation totals: first %+v, rest %+v; want 7 rotated, the erased customer current", first, rest)
		}
		again2, err := db.RotateKeys(ctx, storage.RotateOptions{Batch: 100}, nil)
		if err != nil || again2.Rotated != 0 || again2.Checked != 8 {
			t.Errorf("second run = %+v, %v; want nothing left to rotate", again2, err)
		}
		_ = db.Close()

		// With A gone entirely, everything still reads and is still found.
		after := storagetest.OpenURL(t, url, keyOpts(keyB))
		for i, id := range ids {
			c, err := after.Customer(ctx, id)
			if err != nil || c.Phone != fmt.Sprintf("+86138000000%02d", i) || c.Name != "张三" {
				t.Fatalf("customer %d after rotation: %+v, %v", id, c, err)
			}
			if got, err := after.CustomerIDByContact(ctx, "", fmt.Sprintf("r%d@example.com", i)); err != nil || got != id {
				t.Errorf("lookup of customer %d without the old key = %d, %v", id, got, err)
			}
		}
	})
}
