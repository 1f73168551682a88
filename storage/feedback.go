package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// FeedbackFigures rolls up the leads created in [since, until) per source and campaign: how far sales took
// them and what sales said about them (quality verdicts and lost reasons) before until.
func (db *DB) FeedbackFigures(ctx context.Context, since, until time.Time) (*crm.FeedbackFigures, error) {
	dq := &digestQuery{all: true, pool: "1=1", start: utc(since), end: utc(until)}
	type key struct{ s, c string }
	out := &crm.FeedbackFigures{}
	idx := map[key]int{}
	verdict := func(q crm.Quality) string {
		return `sum(CASE WHEN EXISTS (SELECT 1 FROM lead_events e WHERE e.lead_id = l.id AND e.kind = 'feedback'
			AND e.at < ? AND e.data->>'quality' = '` + string(q) + `') THEN 1 ELSE 0 END)`
	}
	err := db.eachRow(ctx, dq, `SELECT l.source, l.campaign, count(*),
			sum(CASE WHEN EXISTS (SELECT 1 FROM lead_owners o WHERE o.lead_id = l.id AND o.to_owner IS NOT NULL
				AND o.at < ?) THEN 1 ELSE 0 END),
			sum(CASE WHEN l.first_contact_at < ? OR l.stage IN ('contacted', 'qualified', 'proposal', 'won') THEN 1 ELSE 0 END),
			sum(CASE WHEN l.stage = 'won' THEN 1 ELSE 0 END),
			(SELECT count(*) FROM lead_events e JOIN leads l2 ON l2.id = e.lead_id WHERE e.kind = 'feedback' AND e.at < ?
				AND l2.source = l.source AND l2.campaign = l.campaign AND l2.created_at >= ? AND l2.created_at < ?),
			`+verdict(crm.QualityInvalidNumber)+`,
			`+verdict(crm.QualityDuplicate)+`
		FROM leads l WHERE l.created_at >= ? AND l.created_at < ?
		GROUP BY l.source, l.campaign ORDER BY 3 DESC, 1, 2`,
		[]any{dq.end, dq.end, dq.end, dq.start, dq.end, dq.end, dq.end, dq.start, dq.end},
		func(r *sql.Rows) error {
			var row crm.FeedbackRow
			if err := r.Scan(&row.Source, &row.Campaign, &row.Leads, &row.Claimed, &row.Contacted, &row.Won,
				&row.Verdicts, &row.Invalid, &row.Duplicate); err != nil {
				return err
			}
			idx[key{row.Source, row.Campaign}] = len(out.Rows)
			out.Rows = append(out.Rows, row)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("feedback roll-up: %w", err)
	}
	err = db.eachRow(ctx, dq, `SELECT l.source, l.campaign, l.lost_reason, count(*) FROM leads l
		WHERE l.created_at >= ? AND l.created_at < ? AND l.stage = 'lost' AND l.closed_at < ?
		GROUP BY l.source, l.campaign, l.lost_reason`, []any{dq.start, dq.end, dq.end}, func(r *sql.Rows) error {
		var s, c string
		var kc crm.KeyCount
		if err := r.Scan(&s, &c, &kc.Key, &kc.Count); err != nil {
			return err
		}
		if i, ok := idx[key{s, c}]; ok {
			out.Rows[i].LostReasons = append(out.Rows[i].LostReasons, kc)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feedback lost reasons: %w", err)
	}
	for i := range out.Rows {
		sortCounts(out.Rows[i].LostReasons)
	}
	// The mark: the newest verdict (quality feedback or a loss) on the window's leads.
	err = db.eachRow(ctx, dq, `SELECT max(e.id) FROM lead_events e JOIN leads l ON l.id = e.lead_id
		WHERE l.created_at >= ? AND l.created_at < ? AND e.at < ?
			AND (e.kind = 'feedback' OR (e.kind = 'stage_changed' AND e.data->>'to' = 'lost'))`,
		[]any{dq.start, dq.end, dq.end}, func(r *sql.Rows) error {
			var id sql.NullInt64
			if err := r.Scan(&id); err != nil {
				return err
			}
			if id.Valid {
				out.Mark = strconv.FormatInt(id.Int64, 10)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("feedback mark: %w", err)
	}
	return out, nil
}

// postedRow records a posted report.
type postedRow struct {
	bun.BaseModel `bun:"table:posted_reports"`

	Kind        string    `bun:"kind,pk"`
	Key         string    `bun:"key,pk"`
	Fingerprint string    `bun:"fingerprint,notnull"`
	PostedAt    time.Time `bun:"posted_at,notnull"`
}

// LastPosted returns the fingerprint recorded for the report, or "" when it was never posted.
func (db *DB) LastPosted(ctx context.Context, kind, key string) (string, error) {
	var r postedRow
	err := db.rd.NewSelect().Model(&r).Where("kind = ?", kind).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read posted report %s/%s: %w", kind, key, err)
	}
	return r.Fingerprint, nil
}

// MarkPosted records the report as posted with fingerprint. It reports first = false when the same
// fingerprint was already recorded (another replica got there first), in one statement on both dialects.
func (db *DB) MarkPosted(ctx context.Context, kind, key, fingerprint string, at time.Time) (bool, error) {
	res, err := db.bun.ExecContext(ctx, `INSERT INTO posted_reports (kind, key, fingerprint, posted_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE
		SET fingerprint = excluded.fingerprint, posted_at = excluded.posted_at
		WHERE posted_reports.fingerprint <> excluded.fingerprint`, kind, key, fingerprint, utc(at))
	if err != nil {
		return false, fmt.Errorf("record posted report %s/%s: %w", kind, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record posted report %s/%s: %w", kind, key, err)
	}
	return n > 0, nil
}
