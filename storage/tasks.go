package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// leadTaskRow is a lead's Feishu task bookkeeping (crm.FollowUpTask).
type leadTaskRow struct {
	bun.BaseModel `bun:"table:lead_tasks"`

	LeadID    int64     `bun:"lead_id,pk"`
	GUID      string    `bun:"task_guid,notnull"`
	OwnerID   string    `bun:"owner_id,notnull"`
	Due       time.Time `bun:"due_at,nullzero"`
	Done      bool      `bun:"done,notnull"`
	EventID   int64     `bun:"event_id,notnull"`
	Rev       int64     `bun:"rev,notnull"`
	CheckedAt time.Time `bun:"checked_at,nullzero"`
}

func (r *leadTaskRow) task() crm.FollowUpTask {
	return crm.FollowUpTask{LeadID: r.LeadID, GUID: r.GUID, OwnerID: r.OwnerID, Due: utc(r.Due), Done: r.Done,
		EventID: r.EventID, Rev: r.Rev, CheckedAt: utc(r.CheckedAt)}
}

// LeadTask returns the lead's task record; a lead without one gets a zero record with LeadID set.
func (db *DB) LeadTask(ctx context.Context, leadID int64) (crm.FollowUpTask, error) {
	var rows []leadTaskRow
	if err := db.rd.NewSelect().Model(&rows).Where("lead_id = ?", leadID).Scan(ctx); err != nil {
		return crm.FollowUpTask{}, fmt.Errorf("read task of lead %d: %w", leadID, err)
	}
	if len(rows) == 0 {
		return crm.FollowUpTask{LeadID: leadID}, nil
	}
	return rows[0].task(), nil
}

// SaveLeadTask inserts or replaces the lead's task record.
func (db *DB) SaveLeadTask(ctx context.Context, t crm.FollowUpTask) error {
	r := leadTaskRow{LeadID: t.LeadID, GUID: t.GUID, OwnerID: t.OwnerID, Due: utc(t.Due), Done: t.Done,
		EventID: t.EventID, Rev: t.Rev, CheckedAt: utc(t.CheckedAt)}
	_, err := db.bun.NewInsert().Model(&r).On("CONFLICT (lead_id) DO UPDATE").
		Set("task_guid = EXCLUDED.task_guid, owner_id = EXCLUDED.owner_id, due_at = EXCLUDED.due_at").
		Set("done = EXCLUDED.done, event_id = EXCLUDED.event_id, rev = EXCLUDED.rev, checked_at = EXCLUDED.checked_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save task of lead %d: %w", t.LeadID, mapErr(err, "lead"))
	}
	return nil
}

// MarkTaskChecked records a completion check of the lead's task guid; a record that moved on to another
// task (a new follow-up's) is left alone.
func (db *DB) MarkTaskChecked(ctx context.Context, leadID int64, guid string, at time.Time, done bool) error {
	q := db.bun.NewUpdate().Model((*leadTaskRow)(nil)).Set("checked_at = ?", utc(at)).
		Where("lead_id = ?", leadID).Where("task_guid = ?", guid)
	if done {
		q = q.Set("done = ?", true)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("mark task of lead %d checked: %w", leadID, err)
	}
	return nil
}

// LaggingTasks returns leads whose task may lag the lead: one with a pending follow-up or an open task
// whose revision moved past the record's, last changed before olderThan, least recently changed first.
func (db *DB) LaggingTasks(ctx context.Context, olderThan time.Time, limit int) ([]int64, error) {
	t := utc(olderThan)
	pending := db.rd.NewSelect().TableExpr("leads AS l").ColumnExpr("l.id, l.updated_at").
		Join("LEFT JOIN lead_tasks AS t ON t.lead_id = l.id").
		Where("l.follow_up_at IS NOT NULL").Where("l.updated_at < ?", t).
		Where("t.lead_id IS NULL OR t.rev < l.rev")
	open := db.rd.NewSelect().TableExpr("lead_tasks AS t").ColumnExpr("l.id, l.updated_at").
		Join("JOIN leads AS l ON l.id = t.lead_id").
		Where("t.task_guid <> ''").Where("NOT t.done").Where("t.rev < l.rev").Where("l.updated_at < ?", t)
	var rows []struct {
		ID        int64     `bun:"id"`
		UpdatedAt time.Time `bun:"updated_at"`
	}
	q := db.rd.NewSelect().TableExpr("(?) AS u", pending.Union(open)).ColumnExpr("u.id, u.updated_at").
		OrderExpr("u.updated_at, u.id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find lagging tasks: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// OpenTasks returns open tasks last checked before checkedBefore, least recently checked first.
func (db *DB) OpenTasks(ctx context.Context, checkedBefore time.Time, limit int) ([]crm.FollowUpTask, error) {
	var rows []leadTaskRow
	q := db.rd.NewSelect().Model(&rows).Where("task_guid <> ''").Where("NOT done").
		Where("checked_at IS NULL OR checked_at < ?", utc(checkedBefore)).OrderExpr("checked_at, lead_id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("find open tasks: %w", err)
	}
	out := make([]crm.FollowUpTask, len(rows))
	for i := range rows {
		out[i] = rows[i].task()
	}
	return out, nil
}

var _ crm.TaskStore = (*DB)(nil)
