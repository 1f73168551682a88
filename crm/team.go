package crm

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// TeamStore computes the /team figures. storage implements it.
type TeamStore interface {
	// TeamLoad returns, per owner of leads in the pool: open leads held, those whose follow-up time is at
	// or before now, those still waiting for their first contact, leads taken (claims and assignments) and
	// leads won from since up to and including now. Owners with nothing to count are absent.
	TeamLoad(ctx context.Context, pool string, now, since time.Time) ([]RepLoad, error)
}

// RepLoad is one rep's line on the /team card.
type RepLoad struct {
	OpenID          string
	Name            string // cached name; filled by the service
	Open            int    // open leads held in the pool
	Overdue         int    // open leads whose follow-up time has passed
	AwaitingContact int    // open leads held with no first contact yet
	Claims          int    // leads taken this week: claims and assignments
	Wins            int    // leads won this week
}

// TeamPool is one managed pool on the /team card.
type TeamPool struct {
	Pool *Pool
	Reps []RepLoad
}

// Team is what /team shows a manager: every pool they manage, per rep, this week so far.
type Team struct {
	Pools    []TeamPool
	Week     Week // in the configured time zone; the figures cover Week.Start up to and including Now
	Now      time.Time
	Location *time.Location
}

// TeamSummary gathers the /team figures for every pool actor manages. Reps are the pool's members (its
// chat's, when it lists none) in configured order, then anyone else holding its leads; managers appear
// only when they hold leads themselves.
func (s *Service) TeamSummary(ctx context.Context, actor string) (*Team, error) {
	if !s.IsManager(actor) {
		return nil, Bilingual(EFORBIDDEN, "只有线索池主管可以查看团队概况", "Only pool managers can see the team overview")
	}
	if s.Teams == nil {
		return nil, Bilingual(EUNAVAILABLE, "团队概况暂不可用", "The team overview is not available")
	}
	now := s.now()
	t := &Team{Week: WeekOf(now, s.location()), Now: now, Location: s.location()}
	for i := range s.Settings.Pools {
		p := &s.Settings.Pools[i]
		if !p.IsManager(actor) {
			continue
		}
		loads, err := s.Teams.TeamLoad(ctx, p.Key, now, t.Week.Start)
		if err != nil {
			return nil, fmt.Errorf("team of pool %s: %w", p.Key, err)
		}
		members, err := s.poolMembers(ctx, p)
		if err != nil {
			return nil, err
		}
		t.Pools = append(t.Pools, TeamPool{Pool: p, Reps: s.teamReps(ctx, members, loads)})
	}
	return t, nil
}

// teamReps puts the members first, in their order, then the other owners by open_id, and fills names.
func (s *Service) teamReps(ctx context.Context, members []string, loads []RepLoad) []RepLoad {
	by := make(map[string]RepLoad, len(loads))
	for _, l := range loads {
		by[l.OpenID] = l
	}
	out := make([]RepLoad, 0, len(members)+len(loads))
	for _, id := range members {
		r := by[id]
		r.OpenID = id
		out = append(out, r)
		delete(by, id)
	}
	var rest []RepLoad
	for _, r := range by {
		rest = append(rest, r)
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].OpenID < rest[j].OpenID })
	out = append(out, rest...)
	for i := range out {
		out[i].Name = s.member(ctx, out[i].OpenID).Name
	}
	return out
}

// RepLeads lists the open leads rep holds in pool, for a manager of that pool (the /team drill-down).
func (s *Service) RepLeads(ctx context.Context, actor, pool, rep string, limit int) ([]LeadView, error) {
	p, ok := s.Settings.Pool(pool)
	if !ok {
		return nil, Bilingual(EINVALID, "没有名为 "+pool+" 的线索池", "There is no pool "+pool)
	}
	if err := canManage(p, actor); err != nil {
		return nil, err
	}
	return s.ListLeads(ctx, LeadFilter{Pool: p.Key, OwnerID: rep, OpenOnly: true, Limit: limit})
}

// ManagedPool returns the pool if actor manages it, else EFORBIDDEN.
func (s *Service) ManagedPool(key, actor string) (*Pool, error) {
	p, ok := s.Settings.Pool(key)
	if !ok {
		return nil, Bilingual(EINVALID, "没有名为 "+key+" 的线索池", "There is no pool "+key)
	}
	if err := canManage(p, actor); err != nil {
		return nil, err
	}
	return p, nil
}

// PoolMembers lists who may be handed the pool's leads (its members, or its chat's when it lists none).
func (s *Service) PoolMembers(ctx context.Context, p *Pool) ([]string, error) {
	return s.poolMembers(ctx, p)
}
