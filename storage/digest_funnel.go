package storage

import (
	"context"
	"database/sql"
	"sort"

	"github.com/baton-crm/baton/crm"
)

// funnelStages are the stages the funnel counts, in order; rank is the index. Lost is not a step.
var funnelStages = []crm.Stage{crm.StageNew, crm.StageContacted, crm.StageQualified, crm.StageProposal, crm.StageWon}

// stageRank is the SQL that maps a stage name to its funnel rank (lost and unknown names rank as new).
func stageRank(expr string) string {
	s := "CASE " + expr
	for i, st := range funnelStages[1:] {
		s += " WHEN '" + string(st) + "' THEN " + string(rune('1'+i))
	}
	return s + " ELSE 0 END"
}

// digestFunnel follows the leads created in the range through the stages each passed before its end. A
// lead counts at a stage only when it was there: every stage move is in the timeline, a first contact
// (the lead row's or an earlier owner's, from the timeline) counts as contacted, and a lead that jumped
// from new to won did not pass qualified or proposal.
func (db *DB) digestFunnel(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	reached := make([]int, len(funnelStages))
	err := db.eachRow(ctx, dq, `SELECT x.r, count(DISTINCT x.lead_id) FROM (
				SELECT l.id AS lead_id, 0 AS r FROM leads l
				WHERE {pool} AND l.created_at >= ? AND l.created_at < ?
				UNION ALL
				SELECT l.id, 1 FROM leads l
				WHERE {pool} AND l.created_at >= ? AND l.created_at < ? AND l.first_contact_at < ?
				UNION ALL
				SELECT e.lead_id, `+stageRank("e.data->>'to'")+` FROM leads l JOIN lead_events e ON e.lead_id = l.id
				WHERE {pool} AND l.created_at >= ? AND l.created_at < ? AND e.kind = 'stage_changed' AND e.at < ?
				UNION ALL
				SELECT e.lead_id, 1 FROM leads l JOIN lead_events e ON e.lead_id = l.id
				WHERE {pool} AND l.created_at >= ? AND l.created_at < ? AND e.kind = 'first_contact' AND e.at < ?
		) x GROUP BY x.r`, []any{dq.start, dq.end, dq.start, dq.end, dq.end, dq.start, dq.end, dq.end, dq.start, dq.end, dq.end},
		func(r *sql.Rows) error {
			var rank, n int
			if err := r.Scan(&rank, &n); err != nil {
				return err
			}
			if rank >= 0 && rank < len(reached) {
				reached[rank] = n
			}
			return nil
		})
	if err != nil {
		return err
	}
	f.Funnel = make([]crm.StageCount, len(funnelStages))
	for i, st := range funnelStages {
		f.Funnel[i] = crm.StageCount{Stage: st, Count: reached[i]}
	}
	return db.eachRow(ctx, dq, `SELECT count(*) FROM leads l WHERE {pool} AND l.created_at >= ? AND l.created_at < ?
		AND l.stage = 'lost' AND l.closed_at < ?`, []any{dq.start, dq.end, dq.end}, func(r *sql.Rows) error {
		return r.Scan(&f.CohortLost)
	})
}

// digestCloses: leads won or lost in the range, revenue, and the lost reasons.
func (db *DB) digestCloses(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	err := db.eachRow(ctx, dq, `SELECT l.stage, l.lost_reason, count(*), COALESCE(sum(l.value), 0) FROM leads l
		WHERE {pool} AND l.closed_at >= ? AND l.closed_at < ? AND l.stage IN ('won', 'lost')
		GROUP BY l.stage, l.lost_reason`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		var stage, reason string
		var n int
		var value int64
		if err := r.Scan(&stage, &reason, &n, &value); err != nil {
			return err
		}
		if stage == string(crm.StageWon) {
			f.Won += n
			f.Revenue += value
			return nil
		}
		f.Lost += n
		f.LostReasons = append(f.LostReasons, crm.KeyCount{Key: reason, Count: n})
		return nil
	})
	sortCounts(f.LostReasons)
	return err
}

// digestQuality: quality verdicts given in the range, per source of the lead.
func (db *DB) digestQuality(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	return db.eachRow(ctx, dq, `SELECT l.source, e.data->>'quality', count(*) FROM lead_events e JOIN leads l ON l.id = e.lead_id
		WHERE `+dq.eventsIn("'feedback'")+` GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`, []any{dq.start, dq.end}, func(r *sql.Rows) error {
		var q crm.QualityCount
		var quality sql.NullString
		if err := r.Scan(&q.Source, &quality, &q.Count); err != nil {
			return err
		}
		q.Quality = crm.Quality(quality.String)
		f.Quality = append(f.Quality, q)
		return nil
	})
}

// digestLeaders: per rep, leads taken (claims and assignments), first contacts and wins in the range.
func (db *DB) digestLeaders(ctx context.Context, dq *digestQuery, f *crm.DigestFigures) error {
	by := map[string]*crm.RepFigures{}
	add := func(id string, claims, contacts, wins int) {
		if by[id] == nil {
			by[id] = &crm.RepFigures{OpenID: id}
		}
		by[id].Claims += claims
		by[id].Contacts += contacts
		by[id].Wins += wins
	}
	err := db.eachRow(ctx, dq, `SELECT l.to_owner, count(*) FROM lead_owners l
		WHERE {pool} AND l.at >= ? AND l.at < ? AND l.to_owner IS NOT NULL GROUP BY l.to_owner`,
		[]any{dq.start, dq.end}, func(r *sql.Rows) error {
			var id string
			var n int
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			add(id, n, 0, 0)
			return nil
		})
	if err != nil {
		return err
	}
	// First contacts go to whoever made them (the first_contact event's actor), not to the lead's owner
	// now: a rep who called a lead that was later reassigned keeps the credit.
	err = db.eachRow(ctx, dq, `SELECT e.actor_id, count(*) FROM lead_events e
		WHERE `+dq.eventsIn("'first_contact'")+` AND e.actor_id IS NOT NULL GROUP BY e.actor_id`,
		[]any{dq.start, dq.end}, func(r *sql.Rows) error {
			var id string
			var n int
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			add(id, 0, n, 0)
			return nil
		})
	if err != nil {
		return err
	}
	err = db.eachRow(ctx, dq, `SELECT l.owner_id, count(*) FROM leads l WHERE {pool} AND l.owner_id IS NOT NULL
		AND l.stage = 'won' AND l.closed_at >= ? AND l.closed_at < ? GROUP BY l.owner_id`, []any{dq.start, dq.end},
		func(r *sql.Rows) error {
			var id string
			var wins int
			if err := r.Scan(&id, &wins); err != nil {
				return err
			}
			add(id, 0, 0, wins)
			return nil
		})
	if err != nil {
		return err
	}
	for _, v := range by {
		f.Leaders = append(f.Leaders, *v)
	}
	sort.Slice(f.Leaders, func(i, j int) bool {
		a, b := f.Leaders[i], f.Leaders[j]
		if a.Wins != b.Wins {
			return a.Wins > b.Wins
		}
		if a.Contacts != b.Contacts {
			return a.Contacts > b.Contacts
		}
		if a.Claims != b.Claims {
			return a.Claims > b.Claims
		}
		return a.OpenID < b.OpenID
	})
	return nil
}

// sortCounts orders counts most first, then by key.
func sortCounts(c []crm.KeyCount) {
	sort.Slice(c, func(i, j int) bool {
		if c[i].Count != c[j].Count {
			return c[i].Count > c[j].Count
		}
		return c[i].Key < c[j].Key
	})
}
