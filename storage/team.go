package storage

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/baton-crm/baton/crm"
)

var _ crm.TeamStore = (*DB)(nil)

// TeamLoad returns the /team figures of the pool's lead owners in three queries: what each holds now
// (leads_owner_open serves it), what each took since since (lead_owners) and what each won since since.
func (db *DB) TeamLoad(ctx context.Context, pool string, now, since time.Time) ([]crm.RepLoad, error) {
	by := map[string]*crm.RepLoad{}
	get := func(id string) *crm.RepLoad {
		if by[id] == nil {
			by[id] = &crm.RepLoad{OpenID: id}
		}
		return by[id]
	}
	var held []struct {
		Owner   string `bun:"owner_id"`
		Open    int    `bun:"open"`
		Overdue int    `bun:"overdue"`
		Waiting int    `bun:"waiting"`
	}
	err := db.rd.NewSelect().Model((*leadRow)(nil)).
		ColumnExpr("owner_id").
		ColumnExpr("count(*) AS open").
		ColumnExpr("sum(CASE WHEN follow_up_at IS NOT NULL AND follow_up_at <= ? THEN 1 ELSE 0 END) AS overdue", utc(now)).
		ColumnExpr("sum(CASE WHEN first_contact_at IS NULL THEN 1 ELSE 0 END) AS waiting").
		Where("pool = ?", pool).Where("is_open").Where("owner_id IS NOT NULL").
		Group("owner_id").Scan(ctx, &held)
	if err != nil {
		return nil, fmt.Errorf("team leads held in pool %s: %w", pool, err)
	}
	for _, h := range held {
		r := get(h.Owner)
		r.Open, r.Overdue, r.AwaitingContact = h.Open, h.Overdue, h.Waiting
	}
	var counts []struct {
		Owner string `bun:"owner"`
		N     int    `bun:"n"`
	}
	err = db.rd.NewSelect().Model((*ownerRow)(nil)).ColumnExpr("to_owner AS owner").ColumnExpr("count(*) AS n").
		Where("pool = ?", pool).Where("to_owner IS NOT NULL").Where("at >= ?", utc(since)).Where("at <= ?", utc(now)).
		Group("to_owner").Scan(ctx, &counts)
	if err != nil {
		return nil, fmt.Errorf("team claims in pool %s: %w", pool, err)
	}
	for _, c := range counts {
		get(c.Owner).Claims = c.N
	}
	counts = nil
	err = db.rd.NewSelect().Model((*leadRow)(nil)).ColumnExpr("owner_id AS owner").ColumnExpr("count(*) AS n").
		Where("pool = ?", pool).Where("stage = ?", string(crm.StageWon)).Where("owner_id IS NOT NULL").
		Where("closed_at >= ?", utc(since)).Where("closed_at <= ?", utc(now)).
		Group("owner_id").Scan(ctx, &counts)
	if err != nil {
		return nil, fmt.Errorf("team wins in pool %s: %w", pool, err)
	}
	for _, c := range counts {
		get(c.Owner).Wins = c.N
	}
	out := make([]crm.RepLoad, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OpenID < out[j].OpenID })
	return out, nil
}
