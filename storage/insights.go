package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

var _ crm.InsightStore = (*DB)(nil)

// insightRow is one ops insight. A row with no customer, campaign or source is pending (see AddInsight).
type insightRow struct {
	bun.BaseModel `bun:"table:insights"`

	ID         int64     `bun:"id,pk,autoincrement"`
	CustomerID int64     `bun:"customer_id,nullzero"`
	Campaign   string    `bun:"campaign,notnull"`
	Source     string    `bun:"source,notnull"`
	Tags       []string  `bun:"tags,nullzero"`
	Note       string    `bun:"note,notnull"`
	AuthorID   string    `bun:"author_id,notnull"`
	ChatID     string    `bun:"chat_id,notnull"`
	MessageID  string    `bun:"message_id,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

func insightFromRow(r *insightRow) crm.Insight {
	return crm.Insight{ID: r.ID, Target: crm.InsightTarget{CustomerID: r.CustomerID, Campaign: r.Campaign, Source: r.Source},
		Tags: r.Tags, Note: r.Note, AuthorID: r.AuthorID, ChatID: r.ChatID, MessageID: r.MessageID,
		CreatedAt: utc(r.CreatedAt)}
}

// AddInsight stores in and sets its ID; an insight about a customer merges its tags into the customer's in
// the same transaction. A zero target stores a pending insight.
func (db *DB) AddInsight(ctx context.Context, in *crm.Insight) error {
	if in == nil {
		return crm.Errorf(crm.EINVALID, "no insight given")
	}
	r := insightRow{CustomerID: in.Target.CustomerID, Campaign: in.Target.Campaign, Source: in.Target.Source,
		Tags: in.Tags, Note: in.Note, AuthorID: in.AuthorID, ChatID: in.ChatID, MessageID: in.MessageID,
		CreatedAt: utc(in.CreatedAt)}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = db.nowUTC()
	}
	err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert insight: %w", err)
		}
		return db.mergeCustomerTags(ctx, tx, r.CustomerID, r.Tags)
	})
	if err != nil {
		return fmt.Errorf("add insight: %w", mapErr(err, "customer"))
	}
	in.ID, in.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// ResolveInsight gives a pending insight its target. ECONFLICT when it already has one: a second click on
// the "which one?" card must not move an insight filed by the first.
func (db *DB) ResolveInsight(ctx context.Context, id int64, t crm.InsightTarget) (*crm.Insight, error) {
	if t.IsZero() {
		return nil, crm.Errorf(crm.EINVALID, "no insight target given")
	}
	var out crm.Insight
	err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		var r insightRow
		q := tx.NewSelect().Model(&r).Where("id = ?", id)
		if db.pg {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if r.CustomerID != 0 || r.Campaign != "" || r.Source != "" {
			return crm.Errorf(crm.ECONFLICT, "insight already has a target")
		}
		r.CustomerID, r.Campaign, r.Source = t.CustomerID, t.Campaign, t.Source
		if _, err := tx.NewUpdate().Model(&r).Column("customer_id", "campaign", "source").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update insight: %w", err)
		}
		if err := db.mergeCustomerTags(ctx, tx, r.CustomerID, r.Tags); err != nil {
			return err
		}
		out = insightFromRow(&r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve insight %d: %w", id, mapErr(err, "insight"))
	}
	return &out, nil
}

// mergeCustomerTags adds tags the customer does not have yet, keeping the existing order.
func (db *DB) mergeCustomerTags(ctx context.Context, tx bun.Tx, customerID int64, tags []string) error {
	if customerID == 0 || len(tags) == 0 {
		return nil
	}
	var c customerRow
	q := tx.NewSelect().Model(&c).Column("id", "tags").Where("id = ?", customerID)
	if db.pg {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("read customer tags: %w", err)
	}
	merged := c.Tags
	for _, t := range tags {
		if !hasTag(merged, t) {
			merged = append(merged, t)
		}
	}
	if len(merged) == len(c.Tags) {
		return nil
	}
	c.Tags = merged
	if _, err := tx.NewUpdate().Model(&c).Column("tags").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update customer tags: %w", err)
	}
	return nil
}

// InsightsFor returns the newest insights about the customer, the campaign or the source, newest first.
func (db *DB) InsightsFor(ctx context.Context, customerID int64, campaign, source string, limit int) ([]crm.Insight, error) {
	if (customerID == 0 && campaign == "" && source == "") || limit <= 0 {
		return nil, nil
	}
	var rows []insightRow
	err := db.rd.NewSelect().Model(&rows).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if customerID != 0 {
				q = q.WhereOr("customer_id = ?", customerID)
			}
			if campaign != "" {
				q = q.WhereOr("campaign = ?", campaign)
			}
			if source != "" {
				q = q.WhereOr("source = ?", source)
			}
			return q
		}).
		OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read insights: %w", mapErr(err, "insight"))
	}
	out := make([]crm.Insight, len(rows))
	for i := range rows {
		out[i] = insightFromRow(&rows[i])
	}
	return out, nil
}

// FindCustomers returns the customers q names, newest first, with each one's newest lead. Phones and
// emails are looked up by their keyed hash; a company name matches as a case-insensitive substring.
func (db *DB) FindCustomers(ctx context.Context, q crm.CustomerQuery) ([]crm.CustomerMatch, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	var rows []customerRow
	sel := db.rd.NewSelect().Model(&rows).Where("erased_at IS NULL").OrderExpr("id DESC").Limit(int64(limit))
	switch {
	case q.Phone != "":
		sel = sel.Where("phone_hash IN (?)", bun.In(db.sealer.hashes("phone", q.Phone)))
	case q.Email != "":
		sel = sel.Where("email_hash IN (?)", bun.In(db.sealer.hashes("email", q.Email)))
	case q.LeadID != 0:
		sel = sel.Where("id = (?)", db.rd.NewSelect().Model((*leadRow)(nil)).Column("customer_id").Where("id = ?", q.LeadID))
	case strings.TrimSpace(q.Company) != "":
		sel = sel.Where("lower(company) LIKE ? ESCAPE '!'", "%"+likeEscape(strings.ToLower(strings.TrimSpace(q.Company)))+"%")
	default:
		return nil, crm.Errorf(crm.EINVALID, "the customer query names nothing")
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("find customers: %w", mapErr(err, "customer"))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	newest, err := db.newestLeads(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]crm.CustomerMatch, 0, len(rows))
	for i := range rows {
		c, err := db.customerFromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, crm.CustomerMatch{Customer: c, LeadID: newest[c.ID]})
	}
	return out, nil
}

// newestLeads maps each customer to the id of their newest lead.
func (db *DB) newestLeads(ctx context.Context, customerIDs []int64) (map[int64]int64, error) {
	var pairs []struct {
		CustomerID int64 `bun:"customer_id"`
		LeadID     int64 `bun:"lead_id"`
	}
	err := db.rd.NewSelect().Model((*leadRow)(nil)).ColumnExpr("customer_id, max(id) AS lead_id").
		Where("customer_id IN (?)", bun.In(customerIDs)).Group("customer_id").Scan(ctx, &pairs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find newest leads: %w", err)
	}
	out := make(map[int64]int64, len(pairs))
	for _, p := range pairs {
		out[p.CustomerID] = p.LeadID
	}
	return out, nil
}

// likeEscape escapes LIKE's wildcards (and the escape character '!') in user text.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

func hasTag(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
