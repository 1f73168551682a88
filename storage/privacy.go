package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

var _ crm.PrivacyStore = (*DB)(nil)

// CustomerIDByContact finds the customer with this phone (E.164) or email through the lookup hashes, under
// the current key or an old one.
func (db *DB) CustomerIDByContact(ctx context.Context, phone, email string) (int64, error) {
	q := db.rd.NewSelect().Model((*customerRow)(nil)).Column("id").Limit(1)
	switch {
	case phone != "":
		q = q.Where("phone_hash IN (?)", bun.In(db.sealer.hashes("phone", phone)))
	case email != "":
		q = q.Where("email_hash IN (?)", bun.In(db.sealer.hashes("email", email)))
	default:
		return 0, crm.Errorf(crm.EINVALID, "a phone or an email is required")
	}
	var id int64
	if err := q.Scan(ctx, &id); err != nil {
		return 0, fmt.Errorf("find customer: %w", mapErr(err, "customer"))
	}
	return id, nil
}

// LeadsOfCustomer returns the customer's leads, oldest first.
func (db *DB) LeadsOfCustomer(ctx context.Context, customerID int64) ([]*crm.Lead, error) {
	var rows []leadRow
	if err := db.rd.NewSelect().Model(&rows).Where("customer_id = ?", customerID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("leads of customer %d: %w", customerID, mapErr(err, "lead"))
	}
	out := make([]*crm.Lead, len(rows))
	for i := range rows {
		out[i] = db.leadFromRow(&rows[i])
	}
	return out, nil
}

// ForgetCustomer erases a customer's personal data in one transaction: name, phone, email and their lookup
// hashes, the free text of their leads (intake note, attributes, rep notes, pii custom fields) and of ops insights about them, and appends an "erased" entry to
// each lead's timeline. Counts, stages, sources and times stay, so digests keep adding up.
func (db *DB) ForgetCustomer(ctx context.Context, id int64, at time.Time) error {
	return db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*customerRow)(nil)).
			Set("name_enc = NULL, phone_enc = NULL, phone_hash = NULL, email_enc = NULL, email_hash = NULL, tags = NULL").
			Set("erased_at = COALESCE(erased_at, ?)", utc(at)).
			Where("id = ?", id).Exec(ctx)
		if err == nil {
			err = mustAffect(res, "customer")
		}
		if err != nil {
			return fmt.Errorf("erase customer %d: %w", id, mapErr(err, "customer"))
		}
		// Ops notes about the customer may quote personal details; their tags stay for the digests' counts.
		if _, err := tx.NewUpdate().Table("insights").Set("note = ''").Where("customer_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("erase insight notes: %w", err)
		}
		// So may the notes that came with each arrival (touch).
		if _, err := tx.NewUpdate().Model((*touchRow)(nil)).Set("note = ''").Where("customer_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("erase touch notes: %w", err)
		}
		var leadIDs []int64
		if err := tx.NewSelect().Model((*leadRow)(nil)).Column("id").Where("customer_id = ?", id).Scan(ctx, &leadIDs); err != nil {
			return fmt.Errorf("erase customer %d: %w", id, mapErr(err, "lead"))
		}
		if len(leadIDs) == 0 {
			return nil
		}
		if _, err := tx.NewUpdate().Model((*leadRow)(nil)).Set("note = ''").Set("attributes = NULL").Set("fields_enc = NULL").Set("rev = rev + 1").
			Where("customer_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("erase lead text: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*eventRow)(nil)).Set("data = NULL").
			Where("lead_id IN (?)", bun.In(leadIDs)).Where("kind = ?", string(crm.EventNote)).Exec(ctx); err != nil {
			return fmt.Errorf("erase notes: %w", err)
		}
		rows := make([]eventRow, len(leadIDs))
		for i, lid := range leadIDs {
			rows[i] = eventRow{LeadID: lid, Kind: string(crm.EventErased), At: utc(at)}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("record erasure: %w", err)
		}
		return nil
	})
}
