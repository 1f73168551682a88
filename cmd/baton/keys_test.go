package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
)

// TestKeyRotationFromTheCommandLine: after BATON_DATA_KEY moves into BATON_DATA_OLD_KEYS, `baton customer
// export` still finds the customer, `baton keys rotate` moves everything to the new key with progress and
// totals, and afterwards the old key can be dropped.
func TestKeyRotationFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "baton.db")
	key := func(s string) []byte { k := sha256.Sum256([]byte(s)); return k[:] }
	keyA, keyB := key("cli rotation A"), key("cli rotation B")

	db, err := storage.Open(context.Background(), dbPath, storage.Options{DataKey: keyA, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		_, err := db.IntakeLead(context.Background(), &crm.NewLead{Source: "web-form", Pool: "east", Name: "轮换",
			Phone: fmt.Sprintf("+861380013800%d", i), Email: fmt.Sprintf("k%d@example.com", i), At: time.Unix(1e9, 0),
			Created: func(l *crm.Lead) []crm.LeadEvent { return nil }})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	env := map[string]string{"BATON_DATA_DIR": dir, // the embedded database at dir/baton.db
		"BATON_DATA_KEY": hex.EncodeToString(keyB), "BATON_DATA_OLD_KEYS": hex.EncodeToString(keyA)}
	if code, out, errOut := runCLI(t, env, "customer", "export", "13800138001"); code != 0 || !strings.Contains(out, "k1@example.com") {
		t.Fatalf("export after rotating the key: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, env, "keys", "rotate", "--batch", "2")
	if code != 0 || !strings.Contains(errOut, "checked 2 customers") || !strings.Contains(out, "rotated 3") || !strings.Contains(out, "BATON_DATA_OLD_KEYS") {
		t.Fatalf("keys rotate: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// Resuming past the last customer finds nothing; a fresh run finds everything current.
	if code, out, _ := runCLI(t, env, "keys", "rotate"); code != 0 || !strings.Contains(out, "rotated 0") || !strings.Contains(out, "3 already current") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
	delete(env, "BATON_DATA_OLD_KEYS")
	if code, out, errOut := runCLI(t, env, "customer", "export", "k2@example.com"); code != 0 || !strings.Contains(out, "+8613800138002") {
		t.Fatalf("export without the old key: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, env, "customer", "erase", "13800138000", "--yes"); code != 0 {
		t.Fatalf("erase without the old key: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, env, "keys", "--help"); code != 0 || !strings.Contains(errOut, "Usage") {
		t.Errorf("keys --help: exit %d, %q", code, errOut)
	}
}
