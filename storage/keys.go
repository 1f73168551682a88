package storage

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ParseDataKey decodes a data key given as 64 hex digits or as standard base64 of 32 bytes (how an
// operator would put it in an environment variable or a secret file).
func ParseDataKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == DataKeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == DataKeySize {
		return k, nil
	}
	return nil, fmt.Errorf("storage: a data key must be %d bytes as hex or base64", DataKeySize)
}

// LoadOrCreateKeyFile reads the data key stored at path, or creates the file (mode 0600) with a new random
// key when it does not exist. It serves the embedded default, where nobody configured a key: losing the
// file makes the stored personal data unreadable, so back it up with the database.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseDataKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("read key file %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	k := make([]byte, DataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	// O_EXCL: when two processes start at once, one writes and the other reads the winner's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return k, nil
}

// EraseCustomer removes the customer's personal data (name, phone, email and their lookup hashes) and
// records when. Leads, touches and the timeline stay for the figures; a later arrival with the same phone
// becomes a new customer. Erasing twice keeps the first time; an unknown customer is ENOTFOUND.
func (db *DB) EraseCustomer(ctx context.Context, id int64, at time.Time) error {
	r := customerRow{ErasedAt: utc(at)}
	if r.ErasedAt.IsZero() {
		r.ErasedAt = db.nowUTC()
	}
	res, err := db.bun.NewUpdate().Model(&r).
		Column("name_enc", "phone_enc", "phone_hash", "email_enc", "email_hash").
		Set("erased_at = COALESCE(erased_at, ?)", r.ErasedAt).
		Where("id = ?", id).Exec(ctx)
	if err == nil {
		err = mustAffect(res, "customer")
	}
	if err != nil {
		return fmt.Errorf("erase customer %d: %w", id, mapErr(err, "customer"))
	}
	return nil
}
