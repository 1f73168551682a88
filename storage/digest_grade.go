package storage

import (
	"context"
	"database/sql"

	"github.com/baton-crm/baton/crm"
)

// digestGrades: per grade, the new leads of the range, the leads closed in it (won or lost) and the claims
// made in it with how long each lead had waited. The claim waits are few per week, so both dialects fetch
// them and take percentiles in Go. Nothing is reported when no lead involved was graded.
func (db *DB) digestGrades(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	by := map[string]*crm.GradeFigures{}
	get := func(g string) *crm.GradeFigures {
		if by[g] == nil {
			by[g] = &crm.GradeFigures{Grade: g}
		}
		return by[g]
	}
	err := db.eachRow(ctx, dq, `SELECT l.grade_letter, count(*) FROM leads l
		WHERE {pool} AND l.created_at >= ? AND l.created_at < ? GROUP BY 1`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		var g string
		var n int
		if err := r.Scan(&g, &n); err != nil {
			return err
		}
		get(g).Leads = n
		return nil
	})
	if err != nil {
		return err
	}
	err = db.eachRow(ctx, dq, `SELECT l.grade_letter, l.stage, count(*) FROM leads l
		WHERE {pool} AND l.closed_at >= ? AND l.closed_at < ? AND l.stage IN ('won', 'lost') GROUP BY 1, 2`,
		[]any{dq.start, dq.end}, func(r *sql.Rows) error {
			var g, stage string
			var n int
			if err := r.Scan(&g, &stage, &n); err != nil {
				return err
			}
			if stage == string(crm.StageWon) {
				get(g).Won = n
			} else {
				get(g).Lost = n
			}
			return nil
		})
	if err != nil {
		return err
	}
	waits := map[string][]float64{}
	err = db.eachRow(ctx, dq, `SELECT l.grade_letter, `+db.asFloat("e.data->>'waited_s'")+` FROM lead_events e
		JOIN leads l ON l.id = e.lead_id WHERE e.kind = 'claimed' AND e.at >= ? AND e.at < ? AND {pool}
		AND e.data->>'waited_s' IS NOT NULL`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		var g string
		var v float64
		if err := r.Scan(&g, &v); err != nil {
			return err
		}
		waits[g] = append(waits[g], v)
		return nil
	})
	if err != nil {
		return err
	}
	for g, vs := range waits {
		get(g).ClaimTime = crm.PercentilesOf(vs)
	}
	graded := false
	for g := range by {
		graded = graded || g != ""
	}
	if !graded {
		return nil
	}
	for _, v := range by {
		f.Grades = append(f.Grades, *v)
	}
	crm.SortGrades(f.Grades)
	return nil
}
