package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func TestMembers(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.SaveMember(ctx, crm.Member{OpenID: "ou_amy", Name: "Amy"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveMember(ctx, crm.Member{OpenID: "ou_amy", Name: "Amy Wang", Away: true}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Member(ctx, "ou_amy")
		if err != nil {
			t.Fatal(err)
		}
		if *got != (crm.Member{OpenID: "ou_amy", Name: "Amy Wang", Away: true}) {
			t.Errorf("member = %+v, want the update", *got)
		}
		if err := db.SaveMember(ctx, crm.Member{}); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("SaveMember without open_id: %v, want EINVALID", err)
		}
	})
}

func TestFirstSeen(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		firsts := 0
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first, err := db.FirstSeen(ctx, "ev_1", 8*time.Hour)
				if err != nil {
					t.Error(err)
				}
				if first {
					mu.Lock()
					firsts++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if firsts != 1 {
			t.Errorf("%d callers saw ev_1 first, want 1", firsts)
		}
		// A record that has expired counts as unseen again (a zero TTL expires at once).
		for i, want := range []bool{true, true} {
			if got, err := db.FirstSeen(ctx, "ev_2", 0); err != nil || got != want {
				t.Errorf("FirstSeen(ev_2, 0) #%d = %v, %v; want %v", i, got, err, want)
			}
		}
		if n, err := db.PurgeSeen(ctx, time.Now()); err != nil || n != 1 {
			t.Errorf("PurgeSeen(now) = %d, %v; want the expired ev_2 only", n, err)
		}
		if n, err := db.PurgeSeen(ctx, time.Now().Add(9*time.Hour)); err != nil || n != 1 {
			t.Errorf("PurgeSeen(+9h) = %d, %v; want ev_1", n, err)
		}
		if first, err := db.FirstSeen(ctx, "ev_1", time.Hour); err != nil || !first {
			t.Errorf("FirstSeen after purge = %v, %v; want true", first, err)
		}
	})
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ms, err := db.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != ms[len(ms)-1].Version {
			t.Errorf("schema version = %d, want %d", v, ms[len(ms)-1].Version)
		}
		if n := count(t, db, "schema_migrations"); n != len(ms) {
			t.Errorf("schema_migrations rows = %d, want %d", n, len(ms))
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, url string) {
		ctx := context.Background()
		a := storagetest.OpenURL(t, url, storagetest.Options())
		b := storagetest.OpenURL(t, url, storagetest.Options())
		if v, err := a.SchemaVersion(ctx); err != nil || v != 0 {
			t.Fatalf("fresh database at version %d, %v", v, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, db := range []*storage.DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Migrate(ctx)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
		}
		ms, err := a.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, a, "schema_migrations"); n != len(ms) {
			t.Errorf("schema_migrations rows = %d, want %d", n, len(ms))
		}
		if _, err := b.IntakeLead(ctx, newLead("m", "+8613812345678", "")); err != nil {
			t.Errorf("intake on the migrated database: %v", err)
		}
	}
	t.Run(storage.DialectPostgres, func(t *testing.T) { run(t, storagetest.EmptyPostgres(t)) })
	t.Run(storage.DialectSQLite, func(t *testing.T) { run(t, "sqlite://"+filepath.Join(t.TempDir(), "m.db")) })
}

func TestPersonalDataEncryptedAtRest(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const phone, email, name = "+8613812345678", "zhang.san@example.com", "张三丰"
		in := newLead("enc", phone, email)
		in.Name = name
		res := mustIntake(t, db, in)
		var raw []struct {
			NameEnc, PhoneEnc, PhoneHash, EmailEnc, EmailHash []byte
			Company                                           string
		}
		if err := db.Bun().NewSelect().Table("customers").Column("name_enc", "phone_enc", "phone_hash", "email_enc", "email_hash", "company").Scan(ctx, &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) != 1 {
			t.Fatalf("customers = %d", len(raw))
		}
		r := raw[0]
		for col, v := range map[string][]byte{"name_enc": r.NameEnc, "phone_enc": r.PhoneEnc, "phone_hash": r.PhoneHash,
			"email_enc": r.EmailEnc, "email_hash": r.EmailHash} {
			if len(v) == 0 {
				t.Errorf("%s is empty", col)
			}
			for _, secret := range []string{phone, "13812345678", email, name} {
				if bytes.Contains(v, []byte(secret)) {
					t.Errorf("%s contains personal data in clear", col)
				}
			}
		}
		if r.Company != "Acme" {
			t.Errorf("company = %q: the raw read did not work", r.Company)
		}
		c, err := db.Customer(ctx, res.Customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Phone != phone || c.Email != email || c.Name != name {
			t.Error("customer does not decrypt to what was stored")
		}
	})
}

func TestKeyRotationAndWrongKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db := storagetest.OpenURL(t, path, storagetest.Options())
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	id := mustIntake(t, db, newLead("k", "+8613812345678", "")).Customer.ID
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	newKey := sha256.Sum256([]byte("another key"))

	wrong := storagetest.Options()
	wrong.DataKey = newKey[:]
	dbWrong := storagetest.OpenURL(t, path, wrong)
	_, err := dbWrong.Customer(ctx, id)
	if err == nil || strings.Contains(err.Error(), "13812345678") {
		t.Errorf("Customer under the wrong key: err = %v, want a failure that does not show the phone", err)
	}
	_ = dbWrong.Close()

	rotated := wrong
	rotated.OldKeys = [][]byte{storagetest.DataKey()}
	dbRot := storagetest.OpenURL(t, path, rotated)
	c, err := dbRot.Customer(ctx, id)
	if err != nil || c.Phone != "+8613812345678" {
		t.Errorf("Customer with the old key listed: phone ok %v, err %v", c != nil && c.Phone == "+8613812345678", err)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, url := range []string{"sqlite://" + filepath.Join(dir, "a", "x.db"), filepath.Join(dir, "y.db")} {
		db, err := storage.Open(ctx, url, storagetest.Options())
		if err != nil {
			t.Fatalf("Open(%s): %v", url, err)
		}
		if db.Dialect() != storage.DialectSQLite {
			t.Errorf("Open(%s).Dialect() = %s", url, db.Dialect())
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		_ = db.Close()
	}
	if _, err := storage.Open(ctx, filepath.Join(dir, "z.db"), storage.Options{DataKey: []byte("short")}); err == nil {
		t.Error("Open accepted a 5-byte data key")
	}
	if _, err := storage.Open(ctx, "mysql://user:secret@host/db", storagetest.Options()); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open(mysql://…) err = %v, want an error without the password", err)
	}
}

// A burst of distinct events, each delivered several times at once (written in groups on PostgreSQL):
// every event is first-seen exactly once.
func TestFirstSeenBurst(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const events, copies = 12, 5
		var wg sync.WaitGroup
		var mu sync.Mutex
		firsts := map[string]int{}
		for i := range events * copies {
			key := fmt.Sprintf("burst_%d", i%events)
			wg.Go(func() {
				first, err := db.FirstSeen(context.Background(), key, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if first {
					mu.Lock()
					firsts[key]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for i := range events {
			if key := fmt.Sprintf("burst_%d", i); firsts[key] != 1 {
				t.Errorf("%s seen first %d times, want once", key, firsts[key])
			}
		}
	})
}
