package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// Custom field values live in two columns: leads.fields (JSON, readable by SQL and the Base mirror) for
// ordinary fields and leads.fields_enc, sealed like a customer's phone, for the fields baton.yaml marks
// pii. Which keys are pii comes from Options.PIIFields; a key that changes side moves at the lead's next
// write, since reads merge both columns.

// leadFromRow is the domain lead of r, its sealed custom fields opened. A sealed value that no configured
// key opens is logged (by lead id) and left out; writeLead then refuses to write over it.
func (db *DB) leadFromRow(r *leadRow) *crm.Lead {
	l := leadFromRow(r)
	l.Fields = fieldValues(l.Fields)
	pii, err := db.openFields(r)
	if err != nil {
		db.log.Error("decrypt lead fields", "lead_id", r.ID, "error", err)
		return l
	}
	if len(pii) > 0 {
		l.Fields = crm.MergeFields(l.Fields, fieldValues(pii))
	}
	return l
}

// fieldValues restores the value types crm.Lead.Fields promises from decoded JSON: a list (only a
// multiselect stores one) becomes []string again; strings, numbers (float64) and bools already match.
func fieldValues(m map[string]any) map[string]any {
	for k, v := range m {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		out := make([]string, 0, len(list))
		for _, it := range list {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		m[k] = out
	}
	return m
}

func (db *DB) openFields(r *leadRow) (map[string]any, error) {
	if len(r.FieldsEnc) == 0 {
		return nil, nil
	}
	plain, err := db.sealer.open("fields", r.FieldsEnc)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(plain), &out); err != nil {
		return nil, fmt.Errorf("decode sealed fields: %w", err)
	}
	return out, nil
}

// fillLeadRow copies l into r (see fillLeadRow), splitting its custom fields into the plain and the sealed
// column. It refuses to replace a sealed value it cannot open: writing the lead without it would erase it.
func (db *DB) fillLeadRow(r *leadRow, l *crm.Lead) error {
	if _, err := db.openFields(r); err != nil {
		return fmt.Errorf("lead %d: sealed fields do not open with any configured key: %w", r.ID, err)
	}
	fillLeadRow(r, l)
	plain, pii := map[string]any{}, map[string]any{}
	for k, v := range l.Fields {
		if db.piiFields[k] {
			pii[k] = v
		} else {
			plain[k] = v
		}
	}
	r.Fields, r.FieldsEnc = nil, nil
	if len(plain) > 0 {
		r.Fields = plain
	}
	if len(pii) > 0 {
		b, err := json.Marshal(pii)
		if err != nil {
			return fmt.Errorf("encode sealed fields: %w", err)
		}
		if r.FieldsEnc, err = db.sealer.seal("fields", string(b)); err != nil {
			return fmt.Errorf("encrypt fields: %w", err)
		}
	}
	return nil
}

// rotateLeadFields re-seals the pii custom fields of the customer's leads under the current key (part of
// RotateKeys). The values do not change, so neither does the lead's revision. A customer whose sealed
// fields no key opens is listed as undecryptable, once.
func (db *DB) rotateLeadFields(ctx context.Context, tx bun.Tx, customerID int64, p *RotateProgress) error {
	var rows []leadRow
	if err := tx.NewSelect().Model(&rows).Column("id", "fields_enc").Where("customer_id = ?", customerID).
		Where("fields_enc IS NOT NULL").Scan(ctx); err != nil {
		return fmt.Errorf("read lead fields of customer %d: %w", customerID, err)
	}
	for i := range rows {
		r := &rows[i]
		if db.sealer.isCurrent("fields", r.FieldsEnc) {
			continue
		}
		plain, err := db.sealer.open("fields", r.FieldsEnc)
		if err != nil {
			if !slices.Contains(p.Undecryptable, customerID) {
				p.Undecryptable = append(p.Undecryptable, customerID)
			}
			continue
		}
		if r.FieldsEnc, err = db.sealer.seal("fields", plain); err != nil {
			return fmt.Errorf("encrypt lead %d fields: %w", r.ID, err)
		}
		if _, err := tx.NewUpdate().Model(r).Column("fields_enc").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("rotate lead %d fields: %w", r.ID, err)
		}
	}
	return nil
}
