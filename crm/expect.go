package crm

import (
	"context"
	"errors"
	"time"
)

// Expect is the precondition a card action carries: the state of the lead the card showed when it was
// drawn. An action applies only while the parts of that state it depends on still hold, so a stale click
// is refused instead of applied blindly, while bookkeeping that changes none of them (an SLA reminder, a
// touch, an insight, a redrawn card) never gets in its way. The revision is not part of it: every write
// bumps the revision, including the system's own.
type Expect struct {
	// Stated is false for a value written before cards carried preconditions. Such a value is held to its
	// revision instead (Rev, when non-zero), the stricter check those cards were built for.
	Stated bool
	Rev    int64

	Pool       string
	Owner      string    // "" when the card showed the lead unowned
	Stage      Stage     //
	SLAFrom    time.Time // the SLA clock's anchor the card showed (an escalation is about that clock)
	FollowUpAt time.Time // the follow-up the card showed; zero when none was pending
}

// ExpectOf is the precondition a card drawn from l states.
func ExpectOf(l *Lead) Expect {
	return Expect{Stated: true, Rev: l.Rev, Pool: l.Pool, Owner: l.OwnerID, Stage: l.Stage, SLAFrom: toMillis(slaFrom(l)),
		FollowUpAt: toMillis(l.FollowUpAt)}
}

// toMillis is t at the millisecond precision a card value keeps.
func toMillis(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// sameMillis compares a time a card carried with the lead's, at the card's precision.
func sameMillis(a, b time.Time) bool {
	return a.IsZero() == b.IsZero() && (a.IsZero() || a.UnixMilli() == b.UnixMilli())
}

// Fact names a part of the lead's state an action depends on.
type Fact int

// Facts an action may depend on.
const (
	FactOwner    Fact = 1 << iota // who holds the lead (or that nobody does)
	FactStage                     // the stage, including won and lost
	FactSLA                       // the SLA clock the card was about: not restarted by a claim, release or extension
	FactFollowUp                  // the pending follow-up
)

// rev is the revision a store write must still find: the legacy check for values without a precondition,
// none otherwise.
func (e Expect) rev() int64 {
	if e.Stated {
		return 0
	}
	return e.Rev
}

// check refuses with a *StaleError when one of the facts the action depends on moved since the card was
// drawn. Values without a precondition are checked by revision in the store instead.
func (e Expect) check(l *Lead, facts Fact) error {
	if !e.Stated {
		return nil
	}
	if e.Pool != "" && e.Pool != l.Pool {
		return stale(l, "该线索已转到其他线索池", "The lead moved to another pool")
	}
	if facts&FactOwner != 0 && e.Owner != l.OwnerID {
		switch {
		case l.OwnerID == "":
			return stale(l, "该线索已回到公海", "The lead went back to the pool")
		case e.Owner == "":
			return &StaleError{Lead: l, claimedBy: l.OwnerID}
		default:
			return &StaleError{Lead: l, movedTo: l.OwnerID}
		}
	}
	if facts&FactStage != 0 && e.Stage != l.Stage {
		if !l.Open() {
			return stale(l, "该线索已关闭", "The lead was closed")
		}
		return stale(l, "该线索已进入下一阶段："+StageName(l.Stage, "zh"), "The lead moved on to stage "+StageName(l.Stage, "en"))
	}
	if facts&FactSLA != 0 && !e.SLAFrom.IsZero() && !sameMillis(e.SLAFrom, slaFrom(l)) {
		return stale(l, "SLA 已重新计时（已被延长或已转交）", "The SLA clock was restarted (extended or handed over)")
	}
	if facts&FactFollowUp != 0 && !sameMillis(e.FollowUpAt, l.FollowUpAt) {
		if l.FollowUpAt.IsZero() {
			return stale(l, "该跟进已处理", "This follow-up was already handled")
		}
		return stale(l, "跟进时间已更新", "The follow-up was rescheduled")
	}
	return nil
}

// StaleError refuses an action whose precondition no longer holds. Lead is the lead as the refusal found
// it, so the answer can show the fresh card; the message says what changed, never just "someone else".
type StaleError struct {
	Lead *Lead
	err  *Error

	claimedBy, movedTo string // filled into the message with the person's name once it is known
}

func stale(l *Lead, zh, en string) *StaleError {
	return &StaleError{Lead: l, err: Bilingual(ECONFLICT, zh, en)}
}

// Error names no person: errors end up in logs, the names only in the toast (through Unwrap).
func (e *StaleError) Error() string { return "crm conflict: the lead changed since the card was drawn" }
func (e *StaleError) Unwrap() error { return e.coded() }

func (e *StaleError) coded() *Error {
	if e.err != nil {
		return e.err
	}
	// Not named yet: the open_id stays out of the words people see.
	if e.claimedBy != "" {
		return Bilingual(ECONFLICT, "该线索已被他人认领", "The lead was already claimed")
	}
	return Bilingual(ECONFLICT, "该线索已转给他人", "The lead is now with someone else")
}

// nameStale fills the person an owner change went to into the message.
func (s *Service) nameStale(ctx context.Context, err error) error {
	var se *StaleError
	if !errors.As(err, &se) || se.err != nil {
		return err
	}
	who := se.claimedBy + se.movedTo
	name := who
	if m := s.member(ctx, who); m != nil && m.Name != "" {
		name = m.Name
	}
	if se.claimedBy != "" {
		se.err = Bilingual(ECONFLICT, "已被 "+name+" 认领", "Already claimed by "+name)
	} else {
		se.err = Bilingual(ECONFLICT, "该线索已转给 "+name, "The lead is now with "+name)
	}
	return err
}
