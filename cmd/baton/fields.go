package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
)

// piiFieldKeys lists the custom fields whose values the database seals.
func piiFieldKeys(s *crm.Settings) []string {
	var out []string
	for _, f := range s.Fields {
		if f.PII {
			out = append(out, f.Key)
		}
	}
	return out
}

// registerFields refuses a configuration that changes a stored field's type, then records the types of
// fields new to the database. It runs at start, after the migrations.
func registerFields(ctx context.Context, db *storage.DB, s *crm.Settings, at time.Time) error {
	if err := checkFieldTypes(ctx, db, s); err != nil {
		return err
	}
	return db.RegisterFields(ctx, s.Fields, at)
}

func checkFieldTypes(ctx context.Context, db *storage.DB, s *crm.Settings) error {
	reg, err := db.FieldTypes(ctx)
	if err != nil {
		return err
	}
	if changes := crm.FieldTypeChanges(s.Fields, reg); len(changes) > 0 {
		return errors.New(strings.Join(changes, "\n"))
	}
	return nil
}

// configCheckFields compares fields: with the database's field registry for `baton config check`, when
// there is a database to ask: BATON_DATABASE_URL, or the embedded SQLite file once it exists. A database
// not migrated to the registry yet has no stored values to protect.
func configCheckFields(ctx context.Context, cfg *config.Config, stderr io.Writer) error {
	if len(cfg.Settings.Fields) == 0 {
		return nil
	}
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "baton.db")); err != nil {
			return nil
		}
	}
	db, err := openDB(ctx, cfg, newLogger(cfg, io.Discard), nil, false, true)
	if err != nil {
		fmt.Fprintf(stderr, "field types not checked against the database: %v\n", err)
		return nil
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v < fieldRegistryVersion {
		return nil
	}
	return checkFieldTypes(ctx, db, &cfg.Settings)
}

// fieldRegistryVersion is the migration that adds the field registry.
const fieldRegistryVersion = 17
