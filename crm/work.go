package crm

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// WorkUpdate is what the owner card's work form submits. Zero fields are left alone.
type WorkUpdate struct {
	Stage    Stage
	Note     string
	FollowUp time.Time
}

// Save applies a work update from the owner (or a manager): stage move, note, follow-up date. Any of them
// counts as activity: the first-contact clock stops and protection is extended.
func (s *Service) Save(ctx context.Context, leadID int64, pre Expect, actor string, u WorkUpdate) (*Lead, error) {
	note, err := cleanText("note", u.Note, maxNote, true)
	if err != nil {
		return nil, err
	}
	if u.Stage == "" && note == "" && u.FollowUp.IsZero() {
		return nil, Bilingual(EINVALID, "请至少填写一项：阶段、备注或跟进时间", "Fill in at least one of stage, note or follow-up date")
	}
	now := s.now()
	if !u.FollowUp.IsZero() && !u.FollowUp.After(now) {
		return nil, &Error{Code: EINVALID, Field: "followup", ZH: "跟进时间必须在未来", Message: "The follow-up date must be in the future"}
	}
	if u.Stage.Closed() {
		return nil, Bilingual(EINVALID, "赢单或输单请使用「结单」表单", "Use the close form to mark a lead won or lost")
	}
	facts := FactOwner
	if u.Stage != "" {
		facts |= FactStage // the stage list was drawn for the stage the card showed
	}
	return s.work(ctx, leadID, pre, facts, actor, "save", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		var evs []LeadEvent
		if u.Stage != "" && u.Stage != l.Stage {
			if err := CheckMove(l.Stage, u.Stage); err != nil {
				return nil, err
			}
			evs = append(evs, NewEvent(EventStageChanged, actor, now, "from", string(l.Stage), "to", string(u.Stage)))
			l.Stage = u.Stage
		}
		if note != "" {
			evs = append(evs, NewEvent(EventNote, actor, now, "text", note))
		}
		if !u.FollowUp.IsZero() {
			l.FollowUpAt = u.FollowUp
			evs = append(evs, NewEvent(EventFollowUpSet, actor, now, "at", u.FollowUp.UTC().Format(time.RFC3339)))
		}
		if len(evs) == 0 {
			return nil, Bilingual(EINVALID, "没有变化", "Nothing changed")
		}
		Touched(l, pool, now)
		return evs, nil
	})
}

// Close marks the lead won (with an optional deal value) or lost (with a reason).
func (s *Service) Close(ctx context.Context, leadID int64, pre Expect, actor string, won bool, reason string, value int64) (*Lead, error) {
	if !won && !contains(LostReasons, reason) {
		return nil, &Error{Code: EINVALID, Field: "lost_reason", ZH: "请选择输单原因", Message: "Pick a reason for losing the lead"}
	}
	if value < 0 {
		return nil, &Error{Code: EINVALID, Field: "amount", ZH: "金额不能为负", Message: "The amount cannot be negative"}
	}
	now := s.now()
	to := StageLost
	if won {
		to = StageWon
	}
	return s.work(ctx, leadID, pre, FactOwner|FactStage, actor, "close", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		if err := CheckMove(l.Stage, to); err != nil {
			return nil, err
		}
		from := l.Stage
		l.Stage, l.ClosedAt, l.FollowUpAt = to, now, time.Time{}
		if won {
			l.Value = value
		} else {
			l.LostReason = reason
		}
		// Closing is not a first contact: FirstContactAt stays a recorded fact (or stays empty), so the
		// digest's first-contact figures count only real contacts.
		l.LastActivityAt = now
		return []LeadEvent{NewEvent(EventStageChanged, actor, now, "from", string(from), "to", string(to),
			"reason", reason, "value", strconv.FormatInt(value, 10))}, nil
	})
}

// Feedback records the owner's verdict on the lead's quality, for ops.
func (s *Service) Feedback(ctx context.Context, leadID int64, pre Expect, actor string, q Quality) (*Lead, error) {
	if !contains(qualityStrings(), string(q)) {
		return nil, &Error{Code: EINVALID, Field: "quality", ZH: "未知的线索质量选项", Message: "Unknown lead-quality option"}
	}
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner, actor, "feedback", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		return []LeadEvent{NewEvent(EventFeedback, actor, now, "quality", string(q), "source", l.Source, "campaign", l.Campaign)}, nil
	})
}

// Release hands the lead back to the pool; the releasing owner enters the pool's cooldown for it.
func (s *Service) Release(ctx context.Context, leadID int64, pre Expect, actor string) (*Lead, error) {
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner, actor, "release", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		if !l.Owned() {
			return nil, Bilingual(ECONFLICT, "该线索已在公海池中", "The lead is already in the pool")
		}
		prev := l.OwnerID
		ReturnToPool(l, now)
		return []LeadEvent{NewEvent(EventReleased, actor, now, "prev_owner", prev)}, nil
	})
}

// FollowUpDone clears a due follow-up reminder.
func (s *Service) FollowUpDone(ctx context.Context, leadID int64, pre Expect, actor string) (*Lead, error) {
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner|FactFollowUp, actor, "followup_done", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		l.FollowUpAt = time.Time{}
		Touched(l, pool, now)
		return []LeadEvent{NewEvent(EventNote, actor, now, "text", "", "followup", "done")}, nil
	})
}

// Snooze sets the follow-up reminder again, d from now.
func (s *Service) Snooze(ctx context.Context, leadID int64, pre Expect, actor string, d time.Duration) (*Lead, error) {
	if d < time.Minute || d > 30*24*time.Hour {
		return nil, &Error{Code: EINVALID, Field: "snooze", ZH: "稍后提醒的时间无效", Message: "Invalid snooze duration"}
	}
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner|FactFollowUp, actor, "snooze", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		l.FollowUpAt = now.Add(d)
		return []LeadEvent{NewEvent(EventFollowUpSet, actor, now, "at", l.FollowUpAt.UTC().Format(time.RFC3339), "snooze", d.String())}, nil
	})
}

// Extend is a manager's answer to an escalation: the SLA ladder restarts from now and an owned lead's
// protection is extended by the pool's activity extension.
func (s *Service) Extend(ctx context.Context, leadID int64, pre Expect, actor string) (*Lead, error) {
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner|FactSLA, actor, "extend", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		if err := canManage(pool, actor); err != nil {
			return nil, err
		}
		// The ladder restarts from its own anchor: ClaimedAt and PooledAt are facts the digest measures
		// (claim wait, time to first contact) and must not move because a manager granted more time.
		l.SLAFrom, l.SLAStep = now, 0
		if l.Owned() {
			if !l.ProtectedUntil.IsZero() && pool.Protection.ExtendOnActivity > 0 {
				l.ProtectedUntil = maxTime(l.ProtectedUntil, now.Add(pool.Protection.ExtendOnActivity))
				l.WarnedAt = time.Time{}
			}
		}
		return []LeadEvent{NewEvent(EventExtended, actor, now)}, nil
	})
}

// SetLocked locks or unlocks a lead against auto-recycling; managers only.
func (s *Service) SetLocked(ctx context.Context, leadID int64, pre Expect, actor string, locked bool) (*Lead, error) {
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner, actor, "lock", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		if err := canManage(pool, actor); err != nil {
			return nil, err
		}
		l.Locked = locked
		return []LeadEvent{NewEvent(EventLocked, actor, now, "locked", strconv.FormatBool(locked))}, nil
	})
}

// work runs an update of an open lead by its owner or a pool manager, provided the facts of the card's
// precondition it depends on still hold (or, for a card written before preconditions, its revision).
func (s *Service) work(ctx context.Context, leadID int64, pre Expect, facts Fact, actor, op string, fn func(*Lead, *Pool) ([]LeadEvent, error)) (*Lead, error) {
	l, err := s.Leads.MutateLead(ctx, leadID, pre.rev(), func(l *Lead) ([]LeadEvent, error) {
		if err := pre.check(l, facts); err != nil {
			return nil, err
		}
		pool, err := s.pool(l.Pool)
		if err != nil {
			return nil, err
		}
		if err := canWork(pool, l, actor); err != nil {
			return nil, err
		}
		if !l.Open() {
			return nil, Bilingual(ECONFLICT, "该线索已关闭", "This lead is closed")
		}
		uncontacted := l.FirstContactAt.IsZero()
		evs, err := fn(l, pool)
		if err != nil {
			return nil, err
		}
		if uncontacted && !l.FirstContactAt.IsZero() {
			// The digest credits the first contact to whoever made it, which the lead row (reset by every
			// change of owner) cannot tell later.
			evs = append(evs, NewEvent(EventFirstContact, actor, l.FirstContactAt, "owner", l.OwnerID))
		}
		Replan(l, pool, s.Settings.BusinessHours)
		return evs, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s lead %d: %w", op, leadID, s.nameStale(ctx, err))
	}
	s.afterWrite(ctx, l)
	return l, nil
}

func qualityStrings() []string {
	out := make([]string, len(Qualities))
	for i, q := range Qualities {
		out[i] = string(q)
	}
	return out
}

// Truncate shortens s to at most n characters, for previews.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
