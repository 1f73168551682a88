package crm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Claim gives the lead to actor if it is still open, unowned and in the pool the card showed, and the pool's
// rules allow it. The card's revision plays no part: bookkeeping that bumps it (an SLA reminder, a touch,
// a redrawn card) leaves the lead as claimable as it was. Exactly one of many simultaneous claims wins; the
// others get ECONFLICT.
func (s *Service) Claim(ctx context.Context, leadID int64, pre Expect, actor string) (*Lead, error) {
	now := s.now()
	for {
		// A tap that arrives while another tap's claim of this lead is committing waits for it rather
		// than reading the lead: most taps of a storm lose, and so they cost no database work.
		if fl := s.claims.running(leadID); fl != nil {
			select {
			case <-fl.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if fl.won != nil {
				won := *fl.won
				return nil, &LostClaimError{Lead: &won, err: fmt.Errorf("claim lead %d: %w", leadID, claimTaken(&won, actor))}
			}
			continue // the tap ahead did not go through (its cap, say): this one tries in turn
		}
		l, pool, err := s.leadInPool(ctx, leadID)
		if err != nil {
			return nil, err
		}
		if err := pre.check(l, 0); err != nil {
			return nil, fmt.Errorf("claim lead %d: %w", leadID, err)
		}
		member, err := s.isPoolMember(ctx, pool, actor)
		if err != nil {
			return nil, err
		}
		// Refuse what the lead already answers (taken, closed, not a member) before opening a transaction.
		// The rules run again inside it, on the locked state.
		if l.Owned() || !l.Open() || !member {
			return nil, fmt.Errorf("claim lead %d: %w", leadID, CheckClaim(pool, l, actor, member, MemberStats{}, now))
		}
		fl, first := s.claims.join(leadID)
		if !first {
			continue // another tap started its claim meanwhile: wait for it
		}
		// The winner's name goes on the card every tap of the storm is answered with: look it up while
		// the claim commits rather than after.
		go s.member(context.WithoutCancel(ctx), actor)
		l, err = s.claimInTx(ctx, pool, leadID, pre, actor, member, now)
		s.claims.finish(leadID, fl, l)
		if err != nil {
			return nil, fmt.Errorf("claim lead %d: %w", leadID, err)
		}
		s.afterWrite(ctx, l)
		return l, nil
	}
}

// LostClaimError refuses a tap that waited for another tap's claim of the same lead, which won. Lead is
// the lead as the winner left it, so the answer can show it without reading it again.
type LostClaimError struct {
	Lead *Lead
	err  error
}

func (e *LostClaimError) Error() string { return e.err.Error() }
func (e *LostClaimError) Unwrap() error { return e.err }

func (s *Service) claimInTx(ctx context.Context, pool *Pool, leadID int64, pre Expect, actor string, member bool, now time.Time) (*Lead, error) {
	return s.Leads.ClaimLead(ctx, leadID, 0, actor, s.dayStart(now), func(l *Lead, st MemberStats) ([]LeadEvent, error) {
		if err := pre.check(l, 0); err != nil {
			return nil, err
		}
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
}

// claimFlights queues simultaneous taps on one lead in this process behind the first one's transaction
// instead of giving each its own: when the first wins, the others are refused at once against the
// winner's lead; when it is refused (its cap, its cooldown), the next tap tries. In a claim storm that
// turns fifty transactions and fifty reads into one of each. Across processes the store's conditional
// write still decides.
type claimFlights struct {
	mu      sync.Mutex
	flights map[int64]*claimFlight
}

type claimFlight struct {
	done chan struct{}
	won  *Lead // the lead after a winning claim; nil when the claim did not go through
}

// running returns the claim of leadID in flight, or nil.
func (f *claimFlights) running(leadID int64) *claimFlight {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flights[leadID]
}

// join returns the claim of leadID in flight, or starts one for the caller (first is true).
func (f *claimFlights) join(leadID int64) (fl *claimFlight, first bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl := f.flights[leadID]; fl != nil {
		return fl, false
	}
	if f.flights == nil {
		f.flights = map[int64]*claimFlight{}
	}
	fl = &claimFlight{done: make(chan struct{})}
	f.flights[leadID] = fl
	return fl, true
}

// finish ends the caller's flight with the lead it won (nil when it did not) and wakes the taps behind it.
func (f *claimFlights) finish(leadID int64, fl *claimFlight, won *Lead) {
	f.mu.Lock()
	delete(f.flights, leadID)
	f.mu.Unlock()
	fl.won = won
	close(fl.done)
}

// Reassign moves the lead to another member; only pool managers may. It works on pooled and owned leads
// (an escalation card's one-tap reassign) as long as the lead is still with whoever the card showed: a
// manager tapping an old card never takes the lead from a rep who claimed it meanwhile.
func (s *Service) Reassign(ctx context.Context, leadID int64, pre Expect, actor, to string) (*Lead, error) {
	now := s.now()
	l, pool, err := s.leadInPool(ctx, leadID)
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
	l, err = s.Leads.MutateLead(ctx, leadID, pre.rev(), func(l *Lead) ([]LeadEvent, error) {
		if err := pre.check(l, FactOwner|FactStage); err != nil {
			return nil, err
		}
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
		return nil, fmt.Errorf("reassign lead %d: %w", leadID, s.nameStale(ctx, err))
	}
	s.afterWrite(ctx, l)
	return l, nil
}

// leadInPool reads the lead and its pool's configuration.
func (s *Service) leadInPool(ctx context.Context, leadID int64) (*Lead, *Pool, error) {
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, nil, err
	}
	pool, err := s.pool(l.Pool)
	if err != nil {
		return nil, nil, err
	}
	return l, pool, nil
}
