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

// PullStore bookkeeping of the pull sources (migration 0008).

type sourcePullRow struct {
	bun.BaseModel `bun:"table:source_pulls"`

	Source      string    `bun:"source,pk"`
	PulledUntil time.Time `bun:"pulled_until,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

type sourceClueRow struct {
	bun.BaseModel `bun:"table:source_clues"`

	Source     string    `bun:"source,pk"`
	ExternalID string    `bun:"external_id,pk"`
	LeadID     int64     `bun:"lead_id,nullzero"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	RepullAt   time.Time `bun:"repull_at,nullzero"`
	RepulledAt time.Time `bun:"repulled_at,nullzero"`
}

type writeBackRow struct {
	bun.BaseModel `bun:"table:source_writebacks"`

	EventID int64     `bun:"event_id,pk"`
	Source  string    `bun:"source,notnull"`
	LeadID  int64     `bun:"lead_id,notnull"`
	State   string    `bun:"state,notnull"`
	Outcome string    `bun:"outcome,notnull"`
	Detail  string    `bun:"detail,notnull"`
	At      time.Time `bun:"at,notnull"`
}

var _ crm.PullStore = (*DB)(nil)

// PulledUntil returns where the source's last complete pull ended; zero when it never ran.
func (db *DB) PulledUntil(ctx context.Context, source string) (time.Time, error) {
	var row sourcePullRow
	err := db.rd.NewSelect().Model(&row).Where("source = ?", source).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, mapErr(err, "pull state")
	}
	return row.PulledUntil, nil
}

// SetPulledUntil stores where the source's last complete pull ended.
func (db *DB) SetPulledUntil(ctx context.Context, source string, t time.Time) error {
	row := sourcePullRow{Source: source, PulledUntil: utc(t), UpdatedAt: db.nowUTC()}
	_, err := db.bun.NewInsert().Model(&row).On("CONFLICT (source) DO UPDATE").
		Set("pulled_until = EXCLUDED.pulled_until").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return mapErr(err, "pull state")
}

// RecordClues remembers pulled leads; a lead already recorded keeps its row (and its re-pull schedule).
func (db *DB) RecordClues(ctx context.Context, source string, clues []crm.PulledClue) error {
	if len(clues) == 0 {
		return nil
	}
	rows := make([]sourceClueRow, 0, len(clues))
	seen := map[string]bool{}
	for _, c := range clues {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		rows = append(rows, sourceClueRow{Source: source, ExternalID: c.ID, LeadID: c.LeadID,
			CreatedAt: utc(c.CreatedAt), RepullAt: utc(c.RepullAt)})
	}
	_, err := db.bun.NewInsert().Model(&rows).On("CONFLICT (source, external_id) DO NOTHING").Exec(ctx)
	return mapErr(err, "pulled lead")
}

// DueRepulls returns recorded leads whose re-pull is due at now and not done, oldest first.
func (db *DB) DueRepulls(ctx context.Context, source string, now time.Time, limit int) ([]crm.PulledRef, error) {
	var rows []sourceClueRow
	err := db.rd.NewSelect().Model(&rows).Where("source = ?", source).Where("repull_at IS NOT NULL").
		Where("repulled_at IS NULL").Where("repull_at <= ?", utc(now)).OrderExpr("repull_at, external_id").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "pulled lead")
	}
	out := make([]crm.PulledRef, len(rows))
	for i, r := range rows {
		out[i] = crm.PulledRef{ID: r.ExternalID, CreatedAt: r.CreatedAt, LeadID: r.LeadID}
	}
	return out, nil
}

// MarkRepulled records that the leads were re-pulled.
func (db *DB) MarkRepulled(ctx context.Context, source string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.bun.NewUpdate().Model((*sourceClueRow)(nil)).Set("repulled_at = ?", utc(at)).
		Where("source = ?", source).Where("external_id IN (?)", bun.In(ids)).Exec(ctx)
	return mapErr(err, "pulled lead")
}

// WriteBackCandidates returns timeline events of the given kinds on leads of source, at or after since,
// with no write-back ledger entry yet, oldest first. The (kind, at) index bounds the scan to recent events.
func (db *DB) WriteBackCandidates(ctx context.Context, source string, kinds []crm.EventKind, since time.Time, limit int) ([]crm.WriteBackEvent, error) {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	var rows []struct {
		eventRow   `bun:",extend"`
		ExternalID string `bun:"external_id"`
	}
	err := db.rd.NewSelect().TableExpr("lead_events AS e").
		ColumnExpr("e.id, e.lead_id, e.kind, e.actor_id, e.at, e.data, e.notify, e.notified_at, l.external_id").
		Join("JOIN leads AS l ON l.id = e.lead_id").
		Where("e.kind IN (?)", bun.In(ks)).Where("e.at >= ?", utc(since)).Where("l.source = ?", source).
		Where("NOT EXISTS (SELECT 1 FROM source_writebacks AS w WHERE w.event_id = e.id)").
		OrderExpr("e.id").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find write-back candidates: %w", err)
	}
	out := make([]crm.WriteBackEvent, len(rows))
	for i, r := range rows {
		out[i] = crm.WriteBackEvent{ExternalID: r.ExternalID, Event: crm.LeadEvent{ID: r.ID, LeadID: r.LeadID,
			Kind: crm.EventKind(r.Kind), ActorID: r.ActorID, At: r.At, Data: r.Data, Notify: r.Notify, NotifiedAt: r.NotifiedAt}}
	}
	return out, nil
}

// RecordWriteBacks adds ledger entries; an event already in the ledger keeps its entry.
func (db *DB) RecordWriteBacks(ctx context.Context, recs []crm.WriteBackRecord) error {
	if len(recs) == 0 {
		return nil
	}
	rows := make([]writeBackRow, len(recs))
	for i, r := range recs {
		rows[i] = writeBackRow{EventID: r.EventID, Source: r.Source, LeadID: r.LeadID, State: string(r.State),
			Outcome: r.Outcome, Detail: r.Detail, At: utc(r.At)}
	}
	_, err := db.bun.NewInsert().Model(&rows).On("CONFLICT (event_id) DO NOTHING").Exec(ctx)
	return mapErr(err, "write-back")
}
