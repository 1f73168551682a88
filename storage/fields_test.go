package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// TestPIIFieldsSealed: a pii custom field is stored sealed (the raw column holds no plaintext), the others
// as JSON; both read back merged; `keys rotate` re-seals it under the new key; erasing the customer drops it
// and keeps the others.
func TestPIIFieldsSealed(t *testing.T) {
	t.Parallel()
	eachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		keyA, keyB := testKey("fields key A"), testKey("fields key B")
		optsA := keyOpts(keyA)
		optsA.PIIFields = []string{"wechat"}
		db := storagetest.OpenURL(t, url, optsA)
		in := newLead("pii-1", "+8613800000001", "")
		in.Fields = map[string]any{"wechat": "wx-secret-1", "budget": 200000.0}
		res := mustIntake(t, db, in)
		var plain string
		var sealed []byte
		if err := db.Bun().QueryRowContext(ctx, "SELECT coalesce(CAST(fields AS TEXT), ''), fields_enc FROM leads WHERE id = ?", res.Lead.ID).Scan(&plain, &sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plain+string(sealed), "wx-secret") || !strings.Contains(plain, "200000") || len(sealed) == 0 {
			t.Errorf("stored fields = %s, sealed %q", plain, sealed)
		}
		l, err := db.Lead(ctx, res.Lead.ID)
		if err != nil || fmt.Sprint(l.Fields) != "map[budget:200000 wechat:wx-secret-1]" {
			t.Fatalf("read back %v (%v)", l.Fields, err)
		}

		optsB := keyOpts(keyB, keyA)
		optsB.PIIFields = []string{"wechat"}
		rotated := storagetest.OpenURL(t, url, optsB)
		if _, err := rotated.RotateKeys(ctx, storage.RotateOptions{}, nil); err != nil {
			t.Fatal(err)
		}
		optsOnlyB := keyOpts(keyB)
		optsOnlyB.PIIFields = []string{"wechat"}
		after := storagetest.OpenURL(t, url, optsOnlyB)
		if l, err := after.Lead(ctx, res.Lead.ID); err != nil || l.Fields["wechat"] != "wx-secret-1" {
			t.Fatalf("after rotation, without the old key: %v (%v)", l, err)
		}

		if err := after.ForgetCustomer(ctx, res.Customer.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		l, err = after.Lead(ctx, res.Lead.ID)
		if err != nil || fmt.Sprint(l.Fields) != "map[budget:200000]" {
			t.Errorf("after erasure fields = %v (%v)", l.Fields, err)
		}
	})
}

// TestFieldValueTypes: custom field values read back with the types crm.Lead.Fields promises (a
// multiselect as []string, numbers as float64), from the plain and the sealed column alike.
func TestFieldValueTypes(t *testing.T) {
	t.Parallel()
	eachURL(t, func(t *testing.T, url string) {
		opts := keyOpts(testKey("types"))
		opts.PIIFields = []string{"secret_tags"}
		db := storagetest.OpenURL(t, url, opts)
		in := newLead("types-1", "+8613800000002", "")
		in.Fields = map[string]any{"tools": []string{"crm", "erp"}, "secret_tags": []string{"x"}, "seats": 12.0, "trial": true}
		res := mustIntake(t, db, in)
		l, err := db.Lead(context.Background(), res.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := l.Fields["tools"].([]string); !ok {
			t.Errorf("tools is %T", l.Fields["tools"])
		}
		if _, ok := l.Fields["secret_tags"].([]string); !ok {
			t.Errorf("secret_tags is %T", l.Fields["secret_tags"])
		}
		if _, ok := l.Fields["seats"].(float64); !ok {
			t.Errorf("seats is %T", l.Fields["seats"])
		}
		if l.Fields["trial"] != true {
			t.Errorf("trial is %v", l.Fields["trial"])
		}
	})
}
