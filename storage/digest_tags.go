package storage

import (
	"context"
	"database/sql"

	"github.com/baton-crm/baton/crm"
)

// maxDigestTags bounds the insight tags a digest lists.
const maxDigestTags = 10

// digestTags counts the tags of ops insights created in the range. For a pool digest an insight counts when
// it is about a customer with a lead in the pools, or about a source or campaign of a lead that arrived in
// them during the range; pending insights (no target yet) show nowhere, so they do not count either.
func (db *DB) digestTags(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	each := "jsonb_array_elements_text(i.tags) AS t(tag)"
	tag := "t.tag"
	if !db.pg {
		each, tag = "json_each(i.tags) AS t", "t.value"
	}
	f.InsightTags = []crm.KeyCount{}
	about := `(i.customer_id IN (SELECT l.customer_id FROM leads l WHERE {pool})
			OR (i.campaign <> '' AND i.campaign IN (SELECT l.campaign FROM leads l WHERE {pool} AND l.created_at >= ? AND l.created_at < ?))
			OR (i.source <> '' AND i.source IN (SELECT l.source FROM leads l WHERE {pool} AND l.created_at >= ? AND l.created_at < ?)))`
	args := []any{dq.start, dq.end, dq.start, dq.end, dq.start, dq.end, maxDigestTags}
	if dq.all {
		about = `(i.customer_id IS NOT NULL OR i.campaign <> '' OR i.source <> '')`
		args = []any{dq.start, dq.end, maxDigestTags}
	}
	err := db.eachRow(ctx, dq, `SELECT `+tag+`, count(*) FROM insights i, `+each+`
		WHERE i.created_at >= ? AND i.created_at < ? AND `+about+`
		GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`, args, func(r *sql.Rows) error {
		var kc crm.KeyCount
		if err := r.Scan(&kc.Key, &kc.Count); err != nil {
			return err
		}
		f.InsightTags = append(f.InsightTags, kc)
		return nil
	})
	// Ties are ordered in Go: PostgreSQL's collation and SQLite's byte order disagree on mixed scripts.
	sortCounts(f.InsightTags)
	return err
}
