package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// claimLockClass is the first key of the PostgreSQL advisory lock that serialises one member's claims
// (the second key is a hash of the open_id). Any constant distinct from other two-key locks works.
const claimLockClass = 0x62746e // "btn"

// ClaimLead is MutateLead for claims. In one transaction it serialises claims by ownerID (an advisory lock
// on PostgreSQL; SQLite has a single writer), reads the member's stats, calls fn and writes the lead only if
// it is still unowned at the revision read — first tap wins, every other tap gets ECONFLICT. rev 0 means
// "whatever revision is current"; a non-zero rev that no longer matches is ECONFLICT before fn runs.
func (db *DB) ClaimLead(ctx context.Context, id, rev int64, ownerID string, dayStart time.Time,
	fn func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error)) (*crm.Lead, error) {
	var out *crm.Lead
	var fnErr error
	// With rev 0 the caller checks the lead's state, not its revision: a write that slipped in between the
	// read and the conditional update (an SLA step, a touch) is answered by reading again.
	err := db.inTx(ctx, txRetry{stale: rev == 0}, func(ctx context.Context, tx bun.Tx) error {
		// No row lock: in a race every tap reads the same revision, and the conditional write lets one
		// through while the others wake together and fail, instead of queueing on the row one by one.
		// The member's claim lock comes with the read (one round trip); the stats below are read under
		// it, in a later statement and so a later snapshot.
		var old leadRow
		q := tx.NewSelect().Model(&old).Where("id = ?", id)
		if db.pg {
			q = q.TableExpr("pg_advisory_xact_lock(?, ?) AS member_lock", claimLockClass, memberLockKey(ownerID))
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if rev != 0 && old.Rev != rev {
			return conflict()
		}
		stats, err := memberStats(ctx, tx, ownerID, id, dayStart)
		if err != nil {
			return err
		}
		l := db.leadFromRow(&old)
		events, err := fn(l, stats)
		if err != nil {
			fnErr = err
			return err
		}
		out, err = db.writeLead(ctx, tx, &old, l, events, true)
		return err
	})
	if err != nil {
		if fnErr != nil && err == fnErr {
			return nil, err
		}
		return nil, fmt.Errorf("claim lead %d: %w", id, mapErr(err, "lead"))
	}
	return out, nil
}

// memberLockKey maps an open_id onto the int4 second key of an advisory lock.
func memberLockKey(openID string) int32 {
	h := fnv.New32a()
	h.Write([]byte(openID))
	return int32(h.Sum32())
}

// MemberStats returns the stats ClaimLead would pass, outside a transaction (for assign-mode picks).
func (db *DB) MemberStats(ctx context.Context, ownerID string, leadID int64, dayStart time.Time) (crm.MemberStats, error) {
	s, err := memberStats(ctx, db.rd, ownerID, leadID, dayStart)
	if err != nil {
		return crm.MemberStats{}, fmt.Errorf("read member stats: %w", err)
	}
	return s, nil
}

// memberStats counts the member's open leads, the leads they gained since dayStart (claims and
// assignments alike: both count against the daily cap) and when they last lost this lead, in one round
// trip because it runs inside every claim.
func memberStats(ctx context.Context, idb bun.IDB, ownerID string, leadID int64, dayStart time.Time) (crm.MemberStats, error) {
	var row struct {
		OpenLeads   int       `bun:"open_leads"`
		ClaimsToday int       `bun:"claims_today"`
		LastRelease time.Time `bun:"last_release,nullzero"`
	}
	openLeads := idb.NewSelect().Model((*leadRow)(nil)).ColumnExpr("count(*)").
		Where("owner_id = ?", ownerID).Where("is_open")
	claims := idb.NewSelect().Model((*ownerRow)(nil)).ColumnExpr("count(*)").
		Where("to_owner = ?", ownerID).Where("at >= ?", utc(dayStart))
	lastRelease := idb.NewSelect().Model((*ownerRow)(nil)).Column("at").
		Where("lead_id = ?", leadID).Where("from_owner = ?", ownerID).OrderExpr("at DESC").Limit(1)
	err := idb.NewSelect().
		ColumnExpr("(?) AS open_leads", openLeads).
		ColumnExpr("(?) AS claims_today", claims).
		ColumnExpr("(?) AS last_release", lastRelease).
		Scan(ctx, &row)
	if err != nil {
		return crm.MemberStats{}, fmt.Errorf("read member stats: %w", err)
	}
	return crm.MemberStats{OpenLeads: row.OpenLeads, ClaimsToday: row.ClaimsToday, LastRelease: utc(row.LastRelease)}, nil
}

// AssignmentCounts returns how many leads each member gained in the pool since t, by claim or assignment.
func (db *DB) AssignmentCounts(ctx context.Context, pool string, since time.Time) (map[string]int, error) {
	return assignmentCounts(ctx, db.rd, pool, since)
}

func assignmentCounts(ctx context.Context, idb bun.IDB, pool string, since time.Time) (map[string]int, error) {
	var rows []struct {
		ToOwner string `bun:"to_owner"`
		N       int    `bun:"n"`
	}
	err := idb.NewSelect().Model((*ownerRow)(nil)).ColumnExpr("to_owner").ColumnExpr("count(*) AS n").
		Where("pool = ?", pool).Where("to_owner IS NOT NULL").Where("at >= ?", utc(since)).
		Group("to_owner").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count assignments in pool %s: %w", pool, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.ToOwner] = r.N
	}
	return out, nil
}

// assignLockClass is the first key of the PostgreSQL advisory lock that serialises assignments in one
// pool (the second key is a hash of the pool key).
const assignLockClass = 0x62746f

// AssignLead picks and assigns in one transaction, so caps hold however many leads arrive at once. On
// PostgreSQL it takes the pool's assignment lock and then every member's claim lock, in key order (claims
// take their member's lock before the lead's row, so the order is the same and cannot deadlock); SQLite
// runs one writer at a time. fn gets the lead, each member's stats and how many leads each member gained
// in the pool since since, all read under those locks; it changes the lead and returns its events, or an
// error that aborts without writing.
func (db *DB) AssignLead(ctx context.Context, id int64, pool string, members []string, dayStart, since time.Time,
	fn func(*crm.Lead, map[string]crm.MemberStats, map[string]int) ([]crm.LeadEvent, error)) (*crm.Lead, error) {
	var out *crm.Lead
	var fnErr error
	err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		if db.pg {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", assignLockClass, memberLockKey(pool)); err != nil {
				return fmt.Errorf("lock pool: %w", err)
			}
			keys := make([]int32, 0, len(members))
			for _, m := range members {
				keys = append(keys, memberLockKey(m))
			}
			slices.Sort(keys)
			for _, k := range slices.Compact(keys) {
				if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", claimLockClass, k); err != nil {
					return fmt.Errorf("lock member: %w", err)
				}
			}
		}
		old, err := db.selectLead(ctx, tx, id, true)
		if err != nil {
			return err
		}
		stats := make(map[string]crm.MemberStats, len(members))
		for _, m := range members {
			if stats[m], err = memberStats(ctx, tx, m, id, dayStart); err != nil {
				return err
			}
		}
		counts, err := assignmentCounts(ctx, tx, pool, since)
		if err != nil {
			return err
		}
		l := db.leadFromRow(old)
		events, err := fn(l, stats, counts)
		if err != nil {
			fnErr = err
			return err
		}
		out, err = db.writeLead(ctx, tx, old, l, events, true)
		return err
	})
	if err != nil {
		if fnErr != nil && err == fnErr {
			return nil, err
		}
		return nil, fmt.Errorf("assign lead %d: %w", id, mapErr(err, "lead"))
	}
	return out, nil
}
