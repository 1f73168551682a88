package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

var _ crm.DigestStore = (*DB)(nil)

// DigestFigures computes the digest of q's pools over [q.Start, q.End). Every figure is one SQL query over
// the range (and the cohort of leads created in it); on PostgreSQL the percentiles are percentile_cont in
// SQL, on SQLite, which has no ordered-set aggregates, the durations are fetched and interpolated the same
// way in Go (crm.PercentileCont).
func (db *DB) DigestFigures(ctx context.Context, q crm.DigestQuery) (*crm.DigestFigures, error) {
	dq := db.newDigestQuery(q)
	f := &crm.DigestFigures{}
	steps := []struct {
		name string
		fn   func(context.Context, *digestQuery, *crm.DigestFigures) error
	}{
		{"sources", db.digestSources},
		{"claims", db.digestClaims},
		{"first contact", db.digestFirstContact},
		{"breaches", db.digestBreaches},
		{"returns", db.digestReturns},
		{"funnel", db.digestFunnel},
		{"closes", db.digestCloses},
		{"quality", db.digestQuality},
		{"leaderboard", db.digestLeaders},
		{"insight tags", db.digestTags},
		{"grades", db.digestGrades},
	}
	for _, s := range steps {
		if err := s.fn(ctx, dq, f); err != nil {
			return nil, fmt.Errorf("digest %s: %w", s.name, err)
		}
	}
	return f, nil
}

// digestQuery is a DigestQuery turned into SQL fragments.
type digestQuery struct {
	all        bool   // every pool: no condition on the pool
	pool       string // condition on the leads alias l
	start, end time.Time
}

func (db *DB) newDigestQuery(q crm.DigestQuery) *digestQuery {
	cond := "1=1"
	if q.Pools != nil {
		// An empty list must select nothing, not everything.
		cond = "1=0"
		if len(q.Pools) > 0 {
			cond = db.rd.QueryGen().FormatQuery("l.pool IN (?)", bun.In(q.Pools))
		}
	}
	return &digestQuery{all: q.Pools == nil, pool: cond, start: utc(q.Start), end: utc(q.End)}
}

// digestRows formats the template's ? arguments (times and constants only), then puts the pool condition in
// place of {pool}. The pool keys are formatted separately so that nothing in them is read as a placeholder.
func (db *DB) digestRows(ctx context.Context, dq *digestQuery, tmpl string, args ...any) (*sql.Rows, error) {
	s := db.rd.QueryGen().FormatQuery(tmpl, args...)
	s = strings.ReplaceAll(s, "{pool}", dq.pool)
	return db.rd.DB.QueryContext(ctx, s)
}

// eachRow runs the query and calls scan for every row.
func (db *DB) eachRow(ctx context.Context, dq *digestQuery, tmpl string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.digestRows(ctx, dq, tmpl, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// secondsBetween is the SQL for the number of seconds from a to b.
func (db *DB) secondsBetween(a, b string) string {
	if db.pg {
		return "EXTRACT(EPOCH FROM (" + b + " - " + a + "))"
	}
	return "((julianday(" + b + ") - julianday(" + a + ")) * 86400.0)"
}

// asFloat casts a JSON text value to a double.
func (db *DB) asFloat(expr string) string {
	if db.pg {
		return "CAST(" + expr + " AS DOUBLE PRECISION)"
	}
	return "CAST(" + expr + " AS REAL)"
}

// digestPercentiles returns count, p50 and p90 (seconds) of expr over the rows FROM … selects: percentile_cont in
// SQL on PostgreSQL, crm.PercentileCont over the fetched values on SQLite.
func (db *DB) digestPercentiles(ctx context.Context, dq *digestQuery, expr, from string, args ...any) (crm.Percentiles, error) {
	if db.pg {
		var n int
		var p50, p90 sql.NullFloat64
		err := db.eachRow(ctx, dq, `SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY `+expr+`),
			percentile_cont(0.9) WITHIN GROUP (ORDER BY `+expr+`) `+from, args, func(r *sql.Rows) error {
			return r.Scan(&n, &p50, &p90)
		})
		return crm.Percentiles{N: n, P50: secs(p50.Float64), P90: secs(p90.Float64)}, err
	}
	var vals []float64
	err := db.eachRow(ctx, dq, `SELECT `+expr+` `+from, args, func(r *sql.Rows) error {
		var v float64
		if err := r.Scan(&v); err != nil {
			return err
		}
		vals = append(vals, v)
		return nil
	})
	return crm.PercentilesOf(vals), err
}

// secs rounds seconds to whole seconds, as crm.PercentilesOf does.
func secs(s float64) time.Duration { return time.Duration(math.Round(s)) * time.Second }

func (db *DB) digestSources(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	type key struct{ s, c string }
	by := map[key]*crm.SourceCount{}
	get := func(s, c string) *crm.SourceCount {
		if by[key{s, c}] == nil {
			by[key{s, c}] = &crm.SourceCount{Source: s, Campaign: c}
		}
		return by[key{s, c}]
	}
	err := db.eachRow(ctx, dq, `SELECT l.source, l.campaign, count(*) FROM leads l
		WHERE {pool} AND l.created_at >= ? AND l.created_at < ? GROUP BY l.source, l.campaign`,
		[]any{dq.start, dq.end}, func(r *sql.Rows) error {
			var s, c string
			var n int
			if err := r.Scan(&s, &c, &n); err != nil {
				return err
			}
			get(s, c).FirstTouch += n
			f.NewLeads += n
			return nil
		})
	if err != nil {
		return err
	}
	// Last touch: the latest touch of each new lead before the end of the range.
	err = db.eachRow(ctx, dq, `SELECT t.source, t.campaign, count(*) FROM leads l
		JOIN touches t ON t.id = (SELECT max(t2.id) FROM touches t2 WHERE t2.lead_id = l.id AND t2.created_at < ?)
		WHERE {pool} AND l.created_at >= ? AND l.created_at < ? GROUP BY t.source, t.campaign`,
		[]any{dq.end, dq.start, dq.end}, func(r *sql.Rows) error {
			var s, c string
			var n int
			if err := r.Scan(&s, &c, &n); err != nil {
				return err
			}
			get(s, c).LastTouch += n
			return nil
		})
	if err != nil {
		return err
	}
	for _, v := range by {
		f.Sources = append(f.Sources, *v)
	}
	sort.Slice(f.Sources, func(i, j int) bool {
		a, b := f.Sources[i], f.Sources[j]
		if a.FirstTouch != b.FirstTouch {
			return a.FirstTouch > b.FirstTouch
		}
		if a.LastTouch != b.LastTouch {
			return a.LastTouch > b.LastTouch
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Campaign < b.Campaign
	})
	return nil
}

// digestClaims: claim events in the range, and how long each lead had waited in the pool (the claim event
// records it, so recycled leads count from their latest return to the pool).
func (db *DB) digestClaims(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	p, err := db.digestPercentiles(ctx, dq, db.asFloat("e.data->>'waited_s'"),
		`FROM lead_events e WHERE `+dq.eventsIn("'claimed'"), dq.start, dq.end)
	f.Claims, f.ClaimTime = p.N, p
	return err
}

// eventsIn is the condition "e is an event of one of kinds (SQL literals) in the range, on a lead of the
// pools", taking the range's two arguments. The subquery reads only indexes (lead_events (kind, at) with
// lead_id and id, leads (pool, id)), so of a busy week's events across all pools only the pool's own are
// fetched from the table.
func (dq *digestQuery) eventsIn(kinds string) string {
	if dq.all {
		return `e.kind IN (` + kinds + `) AND e.at >= ? AND e.at < ?`
	}
	return `e.id IN (SELECT e.id FROM lead_events e JOIN leads l ON l.id = e.lead_id
		WHERE e.kind IN (` + kinds + `) AND e.at >= ? AND e.at < ? AND {pool})`
}

// digestFirstContact: first contacts made in the range, timed from the claim.
func (db *DB) digestFirstContact(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	p, err := db.digestPercentiles(ctx, dq, db.secondsBetween("l.claimed_at", "l.first_contact_at"),
		`FROM leads l WHERE {pool} AND l.first_contact_at >= ? AND l.first_contact_at < ? AND l.claimed_at IS NOT NULL`,
		dq.start, dq.end)
	f.FirstContact = p
	return err
}

// digestBreaches: SLA steps that fired in the range, per clock and step, and first-contact breaches per
// owner at the time (the lead may have been reassigned since, which is what an escalation is for).
func (db *DB) digestBreaches(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	err := db.eachRow(ctx, dq, `SELECT e.data->>'clock', e.data->>'step', e.data->>'action', count(*)
		FROM lead_events e WHERE `+dq.eventsIn("'reminded', 'escalated'")+` AND e.data->>'clock' IS NOT NULL
		GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		var b crm.BreachCount
		var step, action sql.NullString
		if err := r.Scan(&b.Clock, &step, &action, &b.Count); err != nil {
			return err
		}
		b.Step, _ = strconv.Atoi(step.String)
		b.Action = crm.SLAAction(action.String)
		f.Breaches = append(f.Breaches, b)
		return nil
	})
	if err != nil {
		return err
	}
	return db.eachRow(ctx, dq, `SELECT o, count(*) FROM (
			SELECT (SELECT lo.to_owner FROM lead_owners lo WHERE lo.lead_id = e.lead_id AND lo.at <= e.at
				ORDER BY lo.at DESC, lo.id DESC LIMIT 1) AS o
			FROM lead_events e WHERE `+dq.eventsIn("'reminded', 'escalated'")+` AND e.data->>'clock' = 'first_contact') x
		WHERE o IS NOT NULL GROUP BY o ORDER BY 2 DESC, 1`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		b := crm.BreachCount{Clock: string(crm.TimerFirstContact)}
		if err := r.Scan(&b.OwnerID, &b.Count); err != nil {
			return err
		}
		f.BreachesRep = append(f.BreachesRep, b)
		return nil
	})
}

// digestReturns: leads recycled or released back to the pool in the range.
func (db *DB) digestReturns(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	return db.eachRow(ctx, dq, `SELECT e.kind, count(*) FROM lead_events e JOIN leads l ON l.id = e.lead_id
		WHERE e.kind IN ('recycled', 'released') AND e.at >= ? AND e.at < ? AND {pool} GROUP BY e.kind`,
		[]any{dq.start, dq.end}, func(r *sql.Rows) error {
			var k string
			var n int
			if err := r.Scan(&k, &n); err != nil {
				return err
			}
			if k == string(crm.EventRecycled) {
				f.Recycled = n
			} else {
				f.Released = n
			}
			return nil
		})
}
