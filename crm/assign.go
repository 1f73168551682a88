package crm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// errNobodyFree says every member of an assign pool is away or at a cap: the lead waits in the pool.
var errNobodyFree = Bilingual(ELIMIT, "线索池成员都已达到上限", "Everyone in the pool is away or at their cap")

// autoAssign gives an unowned lead to the member furthest behind their weighted share, picking and
// writing in one transaction so concurrent arrivals cannot push anyone past a cap. by is the manager who
// asked, or "" for the system. also, when set, runs on the lead in the same write and adds its events (the
// SLA step that asked for the assignment is recorded with it, never without it). errNobodyFree when nobody
// can take the lead.
func (s *Service) autoAssign(ctx context.Context, leadID int64, pool *Pool, by string, now time.Time,
	also func(*Lead) ([]LeadEvent, error)) (*Lead, error) {
	ids, err := s.poolMembers(ctx, pool)
	if err != nil {
		return nil, err
	}
	away := make(map[string]bool, len(ids))
	for _, id := range ids {
		if m, err := s.Members.Member(ctx, id); err == nil {
			away[id] = m.Away
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	day := s.dayStart(now)
	out, err := s.Leads.AssignLead(ctx, leadID, pool.Key, ids, day, day,
		func(l *Lead, stats map[string]MemberStats, counts map[string]int) ([]LeadEvent, error) {
			if l.Owned() || !l.Open() {
				return nil, Bilingual(ECONFLICT, "该线索已被处理", "The lead was handled meanwhile")
			}
			var evs []LeadEvent
			if also != nil {
				var err error
				if evs, err = also(l); err != nil {
					return nil, err
				}
			}
			cands := make([]Candidate, 0, len(ids))
			for _, id := range ids {
				cands = append(cands, Candidate{OpenID: id, Weight: pool.Weights[id], Away: away[id],
					Stats: stats[id], Assigned: counts[id]})
			}
			to, _ := PickAssignee(pool, cands)
			if to == "" {
				return nil, errNobodyFree
			}
			TakeOwnership(l, pool, to, now)
			Replan(l, pool, s.Settings.BusinessHours)
			return append(evs,
				NewEvent(EventAssigned, by, now, "to", to),
				NewEvent(EventPhoneRevealed, to, now, "via", "owner_card")), nil
		})
	if err != nil {
		if errors.Is(err, errNobodyFree) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("assign lead %d: %w", leadID, err)
	}
	s.full.clear(pool.Key)
	return out, nil
}

// poolFull remembers which assign pools have told their managers that every member is at a cap, so a
// batch of a hundred leads into a full pool sends one notice, not a hundred. The next assignment that goes
// through re-arms it. Across replicas the send key (per pool, manager and hour) keeps Lark from posting
// the same notice twice.
type poolFull struct {
	mu   sync.Mutex
	told map[string]bool
}

// arm reports whether the pool's managers still need telling, and marks them told.
func (f *poolFull) arm(pool string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.told[pool] {
		return false
	}
	if f.told == nil {
		f.told = map[string]bool{}
	}
	f.told[pool] = true
	return true
}

func (f *poolFull) clear(pool string) {
	f.mu.Lock()
	delete(f.told, pool)
	f.mu.Unlock()
}

// tellPoolFull tells the pool's managers, once, that new leads wait in the pool chat because nobody can
// take them.
func (s *Service) tellPoolFull(ctx context.Context, pool *Pool, now time.Time) {
	if !s.full.arm(pool.Key) {
		return
	}
	text := fmt.Sprintf("「%s」的成员都已请假或达到上限，新线索在群里等待认领。\n"+
		"Everyone in pool %s is away or at their cap: new leads wait in the pool chat for someone to claim them.", pool.Name, pool.Name)
	for _, m := range pool.Managers {
		key := fmt.Sprintf("pool-full-%s-%s-%d", pool.Key, m, now.Unix()/3600)
		if _, err := s.Messenger.Send(ctx, Recipient{OpenID: m}, Outgoing{Text: text}, key); err != nil {
			s.logger().Warn("tell managers the pool is full", "pool", pool.Key, "error", err)
			s.full.clear(pool.Key) // the next lead tries again
		}
	}
}

// candidates gathers what PickAssignee needs for every member of an assign pool, outside a transaction:
// for explaining a route, never for assigning (autoAssign reads the same figures under the pool's lock).
func (s *Service) candidates(ctx context.Context, pool *Pool, leadID int64, now time.Time) ([]Candidate, error) {
	ids, err := s.poolMembers(ctx, pool)
	if err != nil {
		return nil, err
	}
	counts, err := s.Leads.AssignmentCounts(ctx, pool.Key, s.dayStart(now))
	if err != nil {
		return nil, err
	}
	cands := make([]Candidate, 0, len(ids))
	for _, id := range ids {
		c := Candidate{OpenID: id, Weight: pool.Weights[id], Assigned: counts[id]}
		if m, err := s.Members.Member(ctx, id); err == nil {
			c.Away = m.Away
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		if c.Stats, err = s.Leads.MemberStats(ctx, id, leadID, s.dayStart(now)); err != nil {
			return nil, err
		}
		cands = append(cands, c)
	}
	return cands, nil
}
