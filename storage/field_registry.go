package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

type fieldRegistryRow struct {
	bun.BaseModel `bun:"table:field_registry"`

	Key       string    `bun:"key,pk"`
	Type      string    `bun:"type,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// FieldTypes returns the type each custom field key was registered with, removed fields included.
func (db *DB) FieldTypes(ctx context.Context) (map[string]crm.FieldType, error) {
	var rows []fieldRegistryRow
	if err := db.rd.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read field registry: %w", err)
	}
	out := make(map[string]crm.FieldType, len(rows))
	for _, r := range rows {
		out[r.Key] = crm.FieldType(r.Type)
	}
	return out, nil
}

// RegisterFields records the type of every configured field key not yet in the registry. Keys already
// there keep the type they were first registered with (check with crm.FieldTypeChanges first).
func (db *DB) RegisterFields(ctx context.Context, defs []crm.FieldDef, at time.Time) error {
	if len(defs) == 0 {
		return nil
	}
	rows := make([]fieldRegistryRow, len(defs))
	for i, d := range defs {
		rows[i] = fieldRegistryRow{Key: d.Key, Type: string(d.Type), CreatedAt: utc(at)}
	}
	if _, err := db.bun.NewInsert().Model(&rows).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("register fields: %w", err)
	}
	return nil
}
