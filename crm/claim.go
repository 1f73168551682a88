package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Claim gives the lead to actor if the card they tapped (revision rev) is current and the pool's rules
// allow it. Exactly one of many simultaneous claims wins; the others get ECONFLICT.
func (s *Service) Claim(ctx context.Context, leadID, rev int64, actor string) (*Lead, error) {
	now := s.now()
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, err
	}
	pool, err := s.pool(l.Pool)
	if err != nil {
		return nil, err
	}
	member, err := s.isPoolMember(ctx, pool, actor)
	if err != nil {
		return nil, err
	}
	// Most taps in a claim storm lose: refuse those the lead already answers (taken, closed, not a member)
	// before opening a transaction. The rules run again inside it, on the locked state.
	if l.Owned() || !l.Open() || !member {
		return nil, fmt.Errorf("claim lead %d: %w", leadID, CheckClaim(pool, l, actor, member, MemberStats{}, now))
	}
	l, err = s.Leads.ClaimLead(ctx, leadID, rev, actor, s.dayStart(now), func(l *Lead, st MemberStats) ([]LeadEvent, error) {
		if err := CheckClaim(pool, l, actor, member, st, now); err != nil {
			return nil, err
		}
		TakeOwnership(l, pool, actor, now)
		Replan(l, pool, s.Settings.BusinessHours)
		return []LeadEvent{
			NewEvent(EventClaimed, actor, now, "waited_s", itoa(int64(now.Sub(l.PooledAt)/time.Second))),
			// The owner card sent next carries the full phone number: that is the reveal.
			NewEvent(EventPhoneRevealed, actor, now, "via", "owner_card"),
		}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim lead %d: %w", leadID, err)
	}
	s.afterWrite(ctx, l)
	return l, nil
}

// Reassign moves the lead to another member; only pool managers may. It works on pooled and owned leads
// (an escalation card's one-tap reassign).
func (s *Service) Reassign(ctx context.Context, leadID, rev int64, actor, to string) (*Lead, error) {
	now := s.now()
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, err
	}
	pool, err := s.pool(l.Pool)
	if err != nil {
		return nil, err
	}
	if err := canManage(pool, actor); err != nil {
		return nil, err
	}
	if ok, err := s.isPoolMember(ctx, pool, to); err != nil {
		return nil, err
	} else if !ok {
		return nil, Bilingual(EINVALID, "对方不是该线索池的成员", "That person is not a member of this pool")
	}
	l, err = s.Leads.MutateLead(ctx, leadID, rev, func(l *Lead) ([]LeadEvent, error) {
		if !l.Open() {
			return nil, Bilingual(ECONFLICT, "该线索已关闭", "This lead is closed")
		}
		if l.OwnerID == to {
			return nil, Bilingual(ECONFLICT, "该线索已属于此人", "The lead already belongs to that person")
		}
		from := l.OwnerID
		TakeOwnership(l, pool, to, now)
		Replan(l, pool, s.Settings.BusinessHours)
		return []LeadEvent{
			NewEvent(EventReassigned, actor, now, "from", from, "to", to),
			NewEvent(EventPhoneRevealed, to, now, "via", "owner_card"),
		}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reassign lead %d: %w", leadID, err)
	}
	s.afterWrite(ctx, l)
	return l, nil
}

// candidates gathers what PickAssignee needs for every member of an assign pool.
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

// autoAssign gives an unowned lead to the next member in rotation. It returns (nil, nil) when nobody is
// available, leaving the lead in the pool. by is the manager who asked, or "" for the system.
func (s *Service) autoAssign(ctx context.Context, l *Lead, pool *Pool, by string, now time.Time) (*Lead, error) {
	cands, err := s.candidates(ctx, pool, l.ID, now)
	if err != nil {
		return nil, err
	}
	to, _ := PickAssignee(pool, cands)
	if to == "" {
		return nil, nil
	}
	out, err := s.Leads.ClaimLead(ctx, l.ID, l.Rev, to, s.dayStart(now), func(l *Lead, st MemberStats) ([]LeadEvent, error) {
		if l.Owned() || !l.Open() {
			return nil, Bilingual(ECONFLICT, "该线索已被处理", "The lead was handled meanwhile")
		}
		TakeOwnership(l, pool, to, now)
		Replan(l, pool, s.Settings.BusinessHours)
		return []LeadEvent{
			NewEvent(EventAssigned, by, now, "to", to),
			NewEvent(EventPhoneRevealed, to, now, "via", "owner_card"),
		}, nil
	})
	if errors.Is(err, context.Canceled) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("assign lead %d: %w", l.ID, err)
	}
	return out, nil
}
