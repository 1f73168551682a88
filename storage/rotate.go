package storage

import (
	"bytes"
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// RotateOptions bound one RotateKeys run.
type RotateOptions struct {
	After      int64 // start after this customer id (a previous run's LastID)
	Batch      int   // customers per transaction; 0 means 500
	MaxBatches int   // stop after this many batches; 0 means run to the end
}

// RotateProgress counts a RotateKeys run so far; RotateKeys reports it after each batch and returns it.
type RotateProgress struct {
	LastID  int64 // the last customer id looked at: pass it as After to resume
	Checked int   // customers looked at
	Rotated int   // customers re-encrypted and re-hashed under the current key
	Current int   // customers already under the current key (erased ones included)
	// Conflicts are customers whose phone or email hash under the current key another customer already
	// holds: duplicates created before lookups understood rotation. Their values are re-encrypted but that
	// hash is left under the old key; keep the old key until they are merged or erased.
	Conflicts []int64
	// Undecryptable are customers whose data no configured key opens (a key is missing from the old keys).
	Undecryptable []int64
	Done          bool // the last customer was reached
}

// RotateKeys re-encrypts every customer's personal data and recomputes its lookup hashes under the current
// data key, in batches of opts.Batch customers, one transaction each, in id order. Running it again skips
// what is already current, so an interrupted run is resumed by running it again (or from LastID). It may
// run while Baton serves: each batch locks its rows, and a row erased or changed meanwhile is read afresh.
func (db *DB) RotateKeys(ctx context.Context, opts RotateOptions, progress func(RotateProgress)) (RotateProgress, error) {
	p := RotateProgress{LastID: opts.After}
	batch := opts.Batch
	if batch <= 0 {
		batch = 500
	}
	for n := 0; opts.MaxBatches == 0 || n < opts.MaxBatches; n++ {
		var last int64
		var checked int
		err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
			b := p // a retried transaction starts the batch's counts again
			var rows []customerRow
			q := tx.NewSelect().Model(&rows).Where("id > ?", p.LastID).OrderExpr("id").Limit(int64(batch))
			if db.pg {
				q = q.For("UPDATE")
			}
			if err := q.Scan(ctx); err != nil {
				return fmt.Errorf("read customers: %w", err)
			}
			for i := range rows {
				if err := db.rotateRow(ctx, tx, &rows[i], &b); err != nil {
					return err
				}
				if err := db.rotateLeadFields(ctx, tx, rows[i].ID, &b); err != nil {
					return err
				}
			}
			checked = len(rows)
			if checked > 0 {
				last = rows[checked-1].ID
			}
			b.Checked += checked
			p = b
			return nil
		})
		if err != nil {
			return p, fmt.Errorf("rotate keys after customer %d: %w", p.LastID, err)
		}
		if checked == 0 {
			p.Done = true
			break
		}
		p.LastID = last
		if checked < batch {
			p.Done = true
		}
		if progress != nil {
			progress(p)
		}
		if p.Done {
			break
		}
	}
	return p, nil
}

// rotateRow re-seals one customer row under the current key when any of its values or hashes is not.
func (db *DB) rotateRow(ctx context.Context, tx bun.Tx, r *customerRow, p *RotateProgress) error {
	s := db.sealer
	if s.isCurrent("name", r.NameEnc) && s.isCurrent("phone", r.PhoneEnc) && s.isCurrent("email", r.EmailEnc) {
		phone, err1 := s.open("phone", r.PhoneEnc)
		email, err2 := s.open("email", r.EmailEnc)
		if err1 == nil && err2 == nil && bytes.Equal(r.PhoneHash, s.hash("phone", phone)) && bytes.Equal(r.EmailHash, s.hash("email", email)) {
			p.Current++
			return nil
		}
	}
	c, err := db.customerFromRow(r)
	if err != nil {
		p.Undecryptable = append(p.Undecryptable, r.ID)
		return nil
	}
	next := customerRow{ID: r.ID, PhoneHash: s.hash("phone", c.Phone), EmailHash: s.hash("email", c.Email)}
	if next.NameEnc, err = s.seal("name", c.Name); err == nil {
		if next.PhoneEnc, err = s.seal("phone", c.Phone); err == nil {
			next.EmailEnc, err = s.seal("email", c.Email)
		}
	}
	if err != nil {
		return fmt.Errorf("encrypt customer %d: %w", r.ID, err)
	}
	// A hash another customer already holds would break the unique index: keep this row's old hash.
	conflict := false
	for _, h := range []struct {
		col       string
		old, next *[]byte
	}{{"phone_hash", &r.PhoneHash, &next.PhoneHash}, {"email_hash", &r.EmailHash, &next.EmailHash}} {
		if *h.next == nil || bytes.Equal(*h.old, *h.next) {
			continue
		}
		n, err := tx.NewSelect().Model((*customerRow)(nil)).Where("? = ?", bun.Ident(h.col), *h.next).Where("id <> ?", r.ID).Count(ctx)
		if err != nil {
			return fmt.Errorf("check customer %d hash: %w", r.ID, err)
		}
		if n > 0 {
			*h.next, conflict = *h.old, true
		}
	}
	if conflict {
		p.Conflicts = append(p.Conflicts, r.ID)
	}
	_, err = tx.NewUpdate().Model(&next).Column("name_enc", "phone_enc", "phone_hash", "email_enc", "email_hash").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("rotate customer %d: %w", r.ID, err)
	}
	p.Rotated++
	return nil
}
