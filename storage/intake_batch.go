package storage

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/baton-crm/baton/crm"
)

// Intake group commit (PostgreSQL). Arrivals that reach IntakeLead while earlier ones are being written
// wait in a queue and are then stored together in one transaction with one multi-row statement per table,
// so a burst of web-form leads costs a handful of round trips and one commit per group instead of nine
// round trips and a commit each. A lone arrival is written at once, as before: grouping never waits for
// company, it only takes what queued up meanwhile.
//
// Arrivals of one customer or one (source, external_id) are never in the same group or in two groups
// at once: the later one waits for the earlier one's commit, so it finds the customer and becomes a touch
// exactly as it would have one at a time. Arrivals that match an existing customer or repeat an external
// id take the one-at-a-time path inside the group's transaction. If the group's transaction fails (a
// unique index raced by another process, say), every arrival of the group is re-run on its own, so one
// arrival's conflict never fails another.
const (
	maxIntakeGroup   = 64               // arrivals per transaction
	maxIntakeWriters = 4                // groups written at once, each on its own connection
	minExtraGroup    = 8                // queued arrivals that justify a writer beside a busy one
	groupTimeout     = 30 * time.Second // bounds a group's writing once its callers are detached from it
)

type intakeCall struct {
	ctx                  context.Context
	in                   *crm.NewLead
	at                   time.Time
	phoneHash, emailHash []byte
	keys                 []string
	res                  *crm.IntakeResult
	err                  error
	done                 chan struct{}
}

type intakeBatcher struct {
	db *DB

	mu       sync.Mutex
	queue    []*intakeCall
	busyKeys map[string]bool // keys of the arrivals being written
	writers  int

	groups, grouped, regrouped atomic.Int64 // see IntakeStats
}

// IntakeStats counts the intake groups written since the database was opened (PostgreSQL; zero on SQLite).
type IntakeStats struct {
	Groups    int64 // transactions that stored more than one arrival
	Grouped   int64 // arrivals stored in them
	Rewritten int64 // arrivals of failed groups, written again one by one
}

// IntakeStats reports how concurrent intakes were grouped.
func (db *DB) IntakeStats() IntakeStats {
	if db.intakes == nil {
		return IntakeStats{}
	}
	b := db.intakes
	return IntakeStats{Groups: b.groups.Load(), Grouped: b.grouped.Load(), Rewritten: b.regrouped.Load()}
}

func newIntakeBatcher(db *DB) *intakeBatcher {
	return &intakeBatcher{db: db, busyKeys: map[string]bool{}}
}

// do queues c and waits for its result. A caller that gives up still leaves c to be written: like a
// request cancelled after its commit, the sender's retry then finds it by external id.
func (b *intakeBatcher) do(c *intakeCall) (*crm.IntakeResult, error) {
	c.done = make(chan struct{})
	c.keys = intakeKeys(c)
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.startLocked()
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-c.ctx.Done():
		return nil, c.ctx.Err()
	}
}

// startLocked starts writers while there are free ones and arrivals they can take.
func (b *intakeBatcher) startLocked() {
	for b.writers < maxIntakeWriters {
		// With a writer busy, a few arrivals are better left to gather for it than written one per
		// transaction: another writer starts only for a queue worth a group.
		if b.writers > 0 && len(b.queue) < minExtraGroup {
			return
		}
		group := b.takeLocked()
		if len(group) == 0 {
			return
		}
		b.writers++
		go b.write(group)
	}
}

// takeLocked removes from the queue, in arrival order, up to maxIntakeGroup arrivals whose keys are
// neither being written nor shared with an earlier arrival (taken or left waiting), and marks their keys
// busy. Arrivals whose callers gave up before their turn are answered and dropped.
func (b *intakeBatcher) takeLocked() []*intakeCall {
	var group []*intakeCall
	waiting := b.queue[:0]
	held := map[string]bool{} // keys of arrivals left waiting: later arrivals must stay behind them
	for _, c := range b.queue {
		if len(group) == maxIntakeGroup {
			waiting = append(waiting, c)
			continue
		}
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		blocked := false
		for _, k := range c.keys {
			if b.busyKeys[k] || held[k] {
				blocked = true
				break
			}
		}
		if blocked {
			for _, k := range c.keys {
				held[k] = true
			}
			waiting = append(waiting, c)
			continue
		}
		for _, k := range c.keys {
			b.busyKeys[k] = true
		}
		group = append(group, c)
	}
	clear(b.queue[len(waiting):])
	b.queue = waiting
	return group
}

func (b *intakeBatcher) write(group []*intakeCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), groupTimeout)
	defer cancel()
	b.db.intakeGroup(ctx, b, group)
	b.mu.Lock()
	for _, c := range group {
		for _, k := range c.keys {
			delete(b.busyKeys, k)
		}
		close(c.done)
	}
	b.writers--
	b.startLocked()
	b.mu.Unlock()
}

// intakeKeys are the identities two arrivals must not be written concurrently under.
func intakeKeys(c *intakeCall) []string {
	keys := make([]string, 0, 3)
	if c.in.ExternalID != "" {
		keys = append(keys, externalKey(c.in.Source, c.in.ExternalID))
	}
	if c.phoneHash != nil {
		keys = append(keys, phoneKey(c.phoneHash))
	}
	if c.emailHash != nil {
		keys = append(keys, emailKey(c.emailHash))
	}
	return keys
}

func externalKey(source, id string) string { return "x\x00" + source + "\x00" + id }
func phoneKey(hash []byte) string          { return "p\x00" + string(hash) }
func emailKey(hash []byte) string          { return "e\x00" + string(hash) }

// intakeGroup writes a group and sets each arrival's result.
func (db *DB) intakeGroup(ctx context.Context, b *intakeBatcher, group []*intakeCall) {
	if len(group) > 1 {
		err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
			return db.intakeMany(ctx, tx, group)
		})
		if err == nil {
			b.groups.Add(1)
			b.grouped.Add(int64(len(group)))
			return
		}
		b.regrouped.Add(int64(len(group)))
		db.log.DebugContext(ctx, "intake group failed; writing its leads one by one", "leads", len(group), "error", err)
	}
	for _, c := range group {
		c.res, c.err = db.intakeOne(ctx, c)
	}
}

// intakeOne writes one arrival in its own transaction, re-run on a lost unique race or a stale row.
func (db *DB) intakeOne(ctx context.Context, c *intakeCall) (*crm.IntakeResult, error) {
	var res *crm.IntakeResult
	err := db.inTx(ctx, txRetry{unique: true, stale: true}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = db.intake(ctx, tx, c.in, c.at, c.phoneHash, c.emailHash)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("intake lead from %s: %w", c.in.Source, mapErr(err, "lead"))
	}
	return res, nil
}

// intakeMany writes a group in tx: one lookup of repeated external ids, one of known customers, then
// new customers, leads, touches, owner changes and events each in one multi-row INSERT. Arrivals that
// repeat an external id or match a customer go through intake one by one. On error the caller discards
// every result set here.
func (db *DB) intakeMany(ctx context.Context, tx bun.Tx, group []*intakeCall) error {
	var sources, extIDs []string
	var phones, emails [][]byte
	for _, c := range group {
		if c.in.ExternalID != "" {
			sources, extIDs = append(sources, c.in.Source), append(extIDs, c.in.ExternalID)
		}
		if c.phoneHash != nil {
			phones = append(phones, c.phoneHash)
		}
		if c.emailHash != nil {
			emails = append(emails, c.emailHash)
		}
	}
	seen := map[string]bool{}
	if len(extIDs) > 0 {
		var rows []touchRow
		err := tx.NewSelect().Model(&rows).Column("source", "external_id").
			Where("(source, external_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))",
				pgdialect.Array(sources), pgdialect.Array(extIDs)).
			Scan(ctx)
		if err != nil {
			return fmt.Errorf("find touches: %w", err)
		}
		for _, r := range rows {
			seen[externalKey(r.Source, r.ExternalID)] = true
		}
	}
	if len(phones)+len(emails) > 0 {
		var rows []customerRow
		err := tx.NewSelect().Model(&rows).Column("phone_hash", "email_hash").
			Where("phone_hash = ANY(?::bytea[]) OR email_hash = ANY(?::bytea[])",
				pgdialect.Array(phones), pgdialect.Array(emails)).
			Scan(ctx)
		if err != nil {
			return fmt.Errorf("match customers: %w", err)
		}
		for _, r := range rows {
			if r.PhoneHash != nil {
				seen[phoneKey(r.PhoneHash)] = true
			}
			if r.EmailHash != nil {
				seen[emailKey(r.EmailHash)] = true
			}
		}
	}

	var fresh []*intakeCall
	for _, c := range group {
		known := false
		for _, k := range c.keys {
			known = known || seen[k]
		}
		if !known {
			fresh = append(fresh, c)
			continue
		}
		res, err := db.intake(ctx, tx, c.in, c.at, c.phoneHash, c.emailHash)
		if err != nil {
			return err
		}
		c.res = res
	}
	if len(fresh) == 0 {
		return nil
	}
	return db.createMany(ctx, tx, fresh)
}

// createMany creates a customer, a lead and its first touch for each arrival, as intakeCreate does for
// one. Neither PostgreSQL nor SQLite promises that a multi-row INSERT … RETURNING returns rows in the order
// of VALUES, so each returned id is matched to its row by a key the group makes unique: a customer's
// contact hashes (one customer's arrivals never share a group) and a lead's customer id.
func (db *DB) createMany(ctx context.Context, tx bun.Tx, calls []*intakeCall) error {
	custs := make([]customerRow, len(calls))
	for i, c := range calls {
		r, err := db.newCustomerRow(c.in, c.at)
		if err != nil {
			return err
		}
		custs[i] = *r
	}
	var custIDs []returnedID
	if _, err := tx.NewInsert().Model(&custs).Returning("id, phone_hash, email_hash").Exec(ctx, &custIDs); err != nil {
		return fmt.Errorf("insert customers: %w", err)
	}
	if err := assignIDs(custIDs, len(custs), func(i int) string { return contactKey(custs[i].PhoneHash, custs[i].EmailHash) },
		func(r returnedID) string { return contactKey(r.PhoneHash, r.EmailHash) }, func(i int, id int64) { custs[i].ID = id }); err != nil {
		return fmt.Errorf("insert customers: %w", err)
	}

	now := db.nowUTC()
	leads := make([]leadRow, len(calls))
	events := make([][]crm.LeadEvent, len(calls))
	for i, c := range calls {
		l := newLead(c.in, c.at, custs[i].ID)
		if c.in.Created != nil {
			events[i] = c.in.Created(l)
		}
		var err error
		if leads[i], err = db.newLeadRow(l, now); err != nil {
			return err
		}
		quietCards(&leads[i], c.in)
	}
	var leadIDs []returnedID
	if _, err := tx.NewInsert().Model(&leads).Returning("id, customer_id").Exec(ctx, &leadIDs); err != nil {
		return fmt.Errorf("insert leads: %w", err)
	}
	if err := assignIDs(leadIDs, len(leads), func(i int) string { return strconv.FormatInt(leads[i].CustomerID, 10) },
		func(r returnedID) string { return strconv.FormatInt(r.CustomerID, 10) }, func(i int, id int64) { leads[i].ID = id }); err != nil {
		return fmt.Errorf("insert leads: %w", err)
	}

	touches := make([]touchRow, len(calls))
	var owners []ownerRow
	var eventRows []eventRow
	for i, c := range calls {
		r := &leads[i]
		touches[i] = firstTouch(c.in, c.at, r)
		if o, ok := ownerChange(nil, r, now); ok {
			owners = append(owners, o)
		}
		eventRows = appendEventRows(eventRows, r.ID, events[i], now)
	}
	if _, err := tx.NewInsert().Model(&touches).Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("insert touches: %w", err)
	}
	if len(owners) > 0 {
		if _, err := tx.NewInsert().Model(&owners).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("record owner changes: %w", err)
		}
	}
	if len(eventRows) > 0 {
		if _, err := tx.NewInsert().Model(&eventRows).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}

	for i, c := range calls {
		cust, err := db.customerFromRow(&custs[i])
		if err != nil {
			return err
		}
		c.res = &crm.IntakeResult{Status: crm.IntakeCreated, Lead: db.leadFromRow(&leads[i]), Customer: cust}
	}
	return nil
}

// returnedID is a row of a multi-row INSERT … RETURNING: the new id and the columns that identify its row.
type returnedID struct {
	ID         int64  `bun:"id"`
	PhoneHash  []byte `bun:"phone_hash"`
	EmailHash  []byte `bun:"email_hash"`
	CustomerID int64  `bun:"customer_id"`
}

func contactKey(phone, email []byte) string { return string(phone) + "\x00" + string(email) }

// assignIDs gives each of n inserted rows the id returned for it, matching rowKey(i) with gotKey(returned
// row), in whatever order the rows came back. A key that is missing or not unique is an error, so the group
// is rewritten lead by lead rather than linking a lead to another arrival's customer.
func assignIDs(got []returnedID, n int, rowKey func(int) string, gotKey func(returnedID) string, set func(int, int64)) error {
	if len(got) != n {
		return fmt.Errorf("%d ids returned for %d rows", len(got), n)
	}
	byKey := make(map[string]int64, n)
	for _, r := range got {
		k := gotKey(r)
		if _, dup := byKey[k]; dup {
			return fmt.Errorf("two returned rows share a key")
		}
		byKey[k] = r.ID
	}
	for i := range n {
		id, ok := byKey[rowKey(i)]
		if !ok {
			return fmt.Errorf("no id returned for row %d", i)
		}
		set(i, id)
	}
	return nil
}
