package storage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func TestParseDataKey(t *testing.T) {
	t.Parallel()
	k := storagetest.DataKey()
	for _, s := range []string{hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k) + "\n"} {
		got, err := storage.ParseDataKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseDataKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abcd", hex.EncodeToString(k[:16])} {
		if _, err := storage.ParseDataKey(s); err == nil {
			t.Errorf("ParseDataKey(%q) accepted a short key", s)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "data.key")
	k1, err := storage.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := storage.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != storage.DataKeySize || !bytes.Equal(k1, k2) {
		t.Errorf("second load returned a different key")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	other, err := storage.LoadOrCreateKeyFile(filepath.Join(t.TempDir(), "data.key"))
	if err != nil || bytes.Equal(other, k1) {
		t.Errorf("a new file got the same key (or %v)", err)
	}
}

func TestEraseCustomer(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		res := mustIntake(t, db, newLead("er-1", "+8613812345678", "er@example.com"))
		at := t0.Add(time.Hour)
		if err := db.EraseCustomer(ctx, res.Customer.ID, at); err != nil {
			t.Fatal(err)
		}
		if err := db.EraseCustomer(ctx, res.Customer.ID, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		c, err := db.Customer(ctx, res.Customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "" || c.Phone != "" || c.Email != "" || !c.ErasedAt.Equal(at) || c.Company != "Acme" {
			t.Errorf("erased customer = %+v", c)
		}
		// The lead stays; the same phone arriving again is a new customer.
		if _, err := db.Lead(ctx, res.Lead.ID); err != nil {
			t.Errorf("lead after erasure: %v", err)
		}
		again := mustIntake(t, db, newLead("er-2", "+8613812345678", ""))
		if again.Status != crm.IntakeCreated || again.Customer.ID == res.Customer.ID {
			t.Errorf("arrival after erasure = %s customer %d", again.Status, again.Customer.ID)
		}
		if err := db.EraseCustomer(ctx, 999999, at); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("erase unknown customer: %v, want ENOTFOUND", err)
		}
	})
}
