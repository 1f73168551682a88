package storage

import (
	"context"
	"fmt"

	"github.com/baton-crm/baton/crm"
)

// Member returns the member, or ENOTFOUND. Member names are colleagues' names cached from Lark for cards
// and digests, not customer data, so they are stored in clear.
func (db *DB) Member(ctx context.Context, openID string) (*crm.Member, error) {
	var r memberRow
	if err := db.rd.NewSelect().Model(&r).Where("open_id = ?", openID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read member: %w", mapErr(err, "member"))
	}
	return &crm.Member{OpenID: r.OpenID, Name: r.Name, Away: r.Away}, nil
}

// SaveMember inserts or updates the member.
func (db *DB) SaveMember(ctx context.Context, m crm.Member) error {
	if m.OpenID == "" {
		return crm.FieldError("open_id", "a member needs an open_id")
	}
	r := memberRow{OpenID: m.OpenID, Name: m.Name, Away: m.Away, UpdatedAt: db.nowUTC()}
	_, err := db.bun.NewInsert().Model(&r).
		On("CONFLICT (open_id) DO UPDATE").
		Set("name = EXCLUDED.name, away = EXCLUDED.away, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save member: %w", err)
	}
	return nil
}
