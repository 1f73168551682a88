package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// IntakeLead stores an arrival in one transaction: a repeat of (Source, ExternalID) returns the existing
// lead with IntakeExists; a customer matched by phone or email hash with an open lead gets a touch on that
// lead (in.Touched runs on it, the revision moves and its events are appended); otherwise a customer (when
// new), a lead (in.Created runs before the insert) and its first touch are created.
//
// On PostgreSQL concurrent arrivals are written in groups, one transaction per group (intake_batch.go).
// Concurrent intakes of the same customer or the same external id in different processes race on the
// unique indexes; the loser's transaction is re-run and then finds the winner's rows, so no duplicate is
// created and no caller fails.
func (db *DB) IntakeLead(ctx context.Context, in *crm.NewLead) (*crm.IntakeResult, error) {
	if in == nil {
		return nil, crm.Errorf(crm.EINVALID, "no lead given")
	}
	if in.Phone == "" && in.Email == "" {
		return nil, crm.FieldError("phone", "a phone number or an email is required")
	}
	at := utc(in.At)
	if at.IsZero() {
		at = db.nowUTC()
	}
	c := &intakeCall{ctx: ctx, in: in, at: at,
		phoneHash: db.sealer.hash("phone", in.Phone), emailHash: db.sealer.hash("email", in.Email)}
	// While old keys are configured a known customer may hold a hash under one of them, which the grouped
	// path's single query does not look for; the one-at-a-time path does (matchCustomer).
	if db.intakes != nil && !db.sealer.rotating() {
		return db.intakes.do(c)
	}
	return db.intakeOne(ctx, c)
}

func (db *DB) intake(ctx context.Context, tx bun.Tx, in *crm.NewLead, at time.Time, phoneHash, emailHash []byte) (*crm.IntakeResult, error) {
	if in.ExternalID != "" {
		var t touchRow
		err := tx.NewSelect().Model(&t).Where("source = ?", in.Source).Where("external_id = ?", in.ExternalID).Scan(ctx)
		switch {
		case err == nil:
			return db.intakeResult(ctx, tx, crm.IntakeExists, t.LeadID, nil, nil)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("find touch: %w", err)
		}
	}
	// A customer stored before a key rotation holds hashes under an old key until `baton keys rotate` has
	// re-hashed it; without looking for those the same phone would become a second customer.
	phones, emails := [][]byte{phoneHash}, [][]byte{emailHash}
	if db.sealer.rotating() {
		phones, emails = db.sealer.hashes("phone", in.Phone), db.sealer.hashes("email", in.Email)
	}
	cust, err := db.matchCustomer(ctx, tx, phones, emails)
	if err != nil {
		return nil, err
	}
	if cust != nil && !in.DedupeSince.IsZero() {
		// A double submit inside the source's window is a touch on the first lead, even one closed since.
		first, err := db.recentTouchLead(ctx, tx, cust.ID, in.Source, in.DedupeSince)
		if err != nil {
			return nil, err
		}
		if first != nil {
			return db.intakeTouch(ctx, tx, in, at, first, cust)
		}
	}
	if cust != nil {
		var open leadRow
		q := tx.NewSelect().Model(&open).Where("customer_id = ?", cust.ID).Where("is_open").
			OrderExpr("id DESC").Limit(1)
		if db.pg {
			q = q.For("UPDATE")
		}
		err := q.Scan(ctx)
		switch {
		case err == nil:
			return db.intakeTouch(ctx, tx, in, at, &open, cust)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("find open lead: %w", err)
		}
	} else {
		if cust, err = db.newCustomerRow(in, at); err != nil {
			return nil, err
		}
		if _, err := tx.NewInsert().Model(cust).Returning("id").Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert customer: %w", err)
		}
	}
	return db.intakeCreate(ctx, tx, in, at, cust)
}

// matchCustomer finds the customer by phone hash or email hash (each under every configured key); a phone
// match wins when the two point at different customers, because phone numbers are the stronger identity in
// this market.
func (db *DB) matchCustomer(ctx context.Context, tx bun.Tx, phoneHashes, emailHashes [][]byte) (*customerRow, error) {
	for _, m := range []struct {
		col    string
		hashes [][]byte
	}{{"phone_hash", phoneHashes}, {"email_hash", emailHashes}} {
		for _, h := range m.hashes {
			if h == nil {
				continue
			}
			var c customerRow
			err := tx.NewSelect().Model(&c).Where("? = ?", bun.Ident(m.col), h).Scan(ctx)
			if err == nil {
				return &c, nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("match customer: %w", err)
			}
		}
	}
	return nil, nil
}

func (db *DB) intakeTouch(ctx context.Context, tx bun.Tx, in *crm.NewLead, at time.Time, old *leadRow, cust *customerRow) (*crm.IntakeResult, error) {
	t := touchRow{LeadID: old.ID, CustomerID: old.CustomerID, Source: in.Source, ExternalID: in.ExternalID,
		Campaign: in.Campaign, UTM: in.UTM, Note: in.Note, AuthorID: in.Author, CreatedAt: at}
	if _, err := tx.NewInsert().Model(&t).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert touch: %w", err)
	}
	l := db.leadFromRow(old)
	touch := touchFromRow(&t)
	var events []crm.LeadEvent
	if in.Touched != nil {
		events = in.Touched(l, &touch)
	}
	lead, err := db.writeLead(ctx, tx, old, l, events, false)
	if err != nil {
		return nil, err
	}
	return db.intakeResult(ctx, tx, crm.IntakeTouch, lead.ID, lead, cust)
}

func (db *DB) intakeCreate(ctx context.Context, tx bun.Tx, in *crm.NewLead, at time.Time, cust *customerRow) (*crm.IntakeResult, error) {
	l := newLead(in, at, cust.ID)
	var events []crm.LeadEvent
	if in.Created != nil {
		events = in.Created(l)
	}
	now := db.nowUTC()
	r, err := db.newLeadRow(l, now)
	if err != nil {
		return nil, err
	}
	quietCards(&r, in)
	if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert lead: %w", err)
	}
	t := firstTouch(in, at, &r)
	if _, err := tx.NewInsert().Model(&t).Returning("NULL").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert touch: %w", err)
	}
	if err := db.recordOwner(ctx, tx, nil, &r, now); err != nil {
		return nil, err
	}
	if err := db.appendEvents(ctx, tx, r.ID, events, now); err != nil {
		return nil, err
	}
	return db.intakeResult(ctx, tx, crm.IntakeCreated, r.ID, db.leadFromRow(&r), cust)
}

// newLead is the lead an arrival creates for customer custID, before in.Created shapes it.
func newLead(in *crm.NewLead, at time.Time, custID int64) *crm.Lead {
	return &crm.Lead{CustomerID: custID, Source: in.Source, ExternalID: in.ExternalID, Campaign: in.Campaign,
		UTM: in.UTM, Tags: in.Tags, Note: in.Note, Attributes: in.Attributes, Fields: in.Fields, Pool: in.Pool,
		Stage: crm.StageNew, Rev: 1, CreatedAt: at, Grade: in.Grade}
}

// newLeadRow is the row of a new lead at revision 1.
func (db *DB) newLeadRow(l *crm.Lead, now time.Time) (leadRow, error) {
	r := leadRow{CustomerID: l.CustomerID, CreatedAt: l.CreatedAt, Rev: 1, UpdatedAt: now}
	if err := db.fillLeadRow(&r, l); err != nil {
		return r, err
	}
	if r.Stage == "" {
		r.Stage, r.IsOpen = string(crm.StageNew), true
	}
	return r, nil
}

// quietCards marks a quiet arrival's cards as in line with its first revision, so neither the sync task
// nor the sweeper posts them.
func quietCards(r *leadRow, in *crm.NewLead) {
	if in.Quiet {
		r.CardsRev = r.Rev
	}
}

// firstTouch is the touch of the arrival that created lead r.
func firstTouch(in *crm.NewLead, at time.Time, r *leadRow) touchRow {
	return touchRow{LeadID: r.ID, CustomerID: r.CustomerID, Source: in.Source, ExternalID: in.ExternalID,
		Campaign: in.Campaign, UTM: in.UTM, Note: in.Note, AuthorID: in.Author, CreatedAt: at}
}

// intakeResult assembles the result, reading the lead and the customer when the caller does not already
// hold them.
func (db *DB) intakeResult(ctx context.Context, tx bun.Tx, status crm.IntakeStatus, leadID int64, lead *crm.Lead, cust *customerRow) (*crm.IntakeResult, error) {
	if lead == nil {
		r, err := db.selectLead(ctx, tx, leadID, false)
		if err != nil {
			return nil, fmt.Errorf("read lead: %w", err)
		}
		lead = db.leadFromRow(r)
	}
	var c *crm.Customer
	var err error
	if cust != nil {
		c, err = db.customerFromRow(cust)
	} else {
		c, err = db.selectCustomer(ctx, tx, lead.CustomerID)
	}
	if err != nil {
		return nil, fmt.Errorf("read customer: %w", err)
	}
	return &crm.IntakeResult{Status: status, Lead: lead, Customer: c}, nil
}
