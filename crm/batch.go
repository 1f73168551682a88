package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxBatch caps how many leads one batch action handles, so it answers inside Lark's 3-second callback
// window; the lists that offer a batch show fewer.
const MaxBatch = 50

// BatchReason classifies why a lead of a batch was not handled, so the answer can sum them up.
type BatchReason string

// Batch refusal reasons.
const (
	BatchCap       BatchReason = "cap"       // the rep holds the pool's open-lead cap
	BatchDailyCap  BatchReason = "daily_cap" // the rep reached the pool's daily claims cap
	BatchCooldown  BatchReason = "cooldown"  // the rep gave this lead up within the pool's cooldown
	BatchClosed    BatchReason = "closed"    // the lead is won or lost
	BatchUnchanged BatchReason = "unchanged" // the lead is already where it was sent
	BatchForbidden BatchReason = "forbidden" // the actor does not manage the lead's pool, or the rep is not a member
	BatchNotFound  BatchReason = "not_found" // no such lead
	BatchConflict  BatchReason = "conflict"  // the lead changed meanwhile
	BatchFailed    BatchReason = "failed"    // anything else (logged)
)

// BatchResult says what a batch action did: the leads handled and, per lead not handled, why.
type BatchResult struct {
	Done    []int64
	Refused map[int64]BatchReason
}

// Count returns how many leads were refused for reason r.
func (r *BatchResult) Count(reason BatchReason) int {
	n := 0
	for _, v := range r.Refused {
		if v == reason {
			n++
		}
	}
	return n
}

func (r *BatchResult) refuse(id int64, why BatchReason) {
	if r.Refused == nil {
		r.Refused = map[int64]BatchReason{}
	}
	r.Refused[id] = why
}

// CheckTake applies a pool's caps and cooldown to handing lead l to rep: the same rules a claim by the rep
// would meet (CheckClaim), worded for the manager who asked. Errors carry Field "limits.open",
// "limits.daily_claims" or "cooldown".
func CheckTake(p *Pool, l *Lead, rep string, st MemberStats, now time.Time) error {
	if l.OwnerID == rep {
		return nil // nothing is taken; Reassign refuses it as unchanged
	}
	if p.Limits.Open > 0 && st.OpenLeads >= p.Limits.Open {
		return &Error{Code: ELIMIT, Field: "limits.open",
			ZH:      fmt.Sprintf("对方已持有 %d/%d 条线索", st.OpenLeads, p.Limits.Open),
			Message: fmt.Sprintf("They hold %d of %d leads", st.OpenLeads, p.Limits.Open)}
	}
	if p.Limits.DailyClaims > 0 && st.ClaimsToday >= p.Limits.DailyClaims {
		return &Error{Code: ELIMIT, Field: "limits.daily_claims",
			ZH:      fmt.Sprintf("对方今日已获得 %d/%d 条线索", st.ClaimsToday, p.Limits.DailyClaims),
			Message: fmt.Sprintf("They took %d of %d leads today", st.ClaimsToday, p.Limits.DailyClaims)}
	}
	if p.Cooldown > 0 && !st.LastRelease.IsZero() && st.LastRelease.Add(p.Cooldown).After(now) {
		return &Error{Code: ELIMIT, Field: "cooldown", ZH: "对方释放该线索不久，冷却中",
			Message: "They gave this lead up recently: cooldown"}
	}
	return nil
}

// AssignChecked hands one lead to rep for a manager, refusing what the pool's caps and cooldown refuse
// (CheckTake) before Reassign applies its own rules. The figures are read just before the write, not in
// its transaction: a batch runs its leads one after another, so it never takes a rep past a cap, but a
// claim by the rep at the same instant may.
func (s *Service) AssignChecked(ctx context.Context, leadID int64, actor, rep string) (*Lead, error) {
	now := s.now()
	l, pool, err := s.leadInPool(ctx, leadID)
	if err != nil {
		return nil, err
	}
	if err := canManage(pool, actor); err != nil {
		return nil, err
	}
	switch {
	case !l.Open():
		return nil, &Error{Code: ECONFLICT, Field: "closed", ZH: "该线索已关闭", Message: "This lead is closed"}
	case l.OwnerID == rep:
		return nil, &Error{Code: ECONFLICT, Field: "unchanged", ZH: "该线索已属于此人", Message: "The lead already belongs to that person"}
	}
	st, err := s.Leads.MemberStats(ctx, rep, leadID, s.dayStart(now))
	if err != nil {
		return nil, fmt.Errorf("assign lead %d: %w", leadID, err)
	}
	if err := CheckTake(pool, l, rep, st, now); err != nil {
		return nil, fmt.Errorf("assign lead %d: %w", leadID, err)
	}
	return s.Reassign(ctx, leadID, ExpectOf(l), actor, rep) // refused if the lead moved since the checks above
}

// BatchAssign hands each lead to rep in turn (AssignChecked), stopping at nothing: every lead gets an
// answer in the result.
func (s *Service) BatchAssign(ctx context.Context, actor, rep string, ids []int64) (*BatchResult, error) {
	if rep == "" {
		return nil, &Error{Code: EINVALID, Field: "to", ZH: "请选择接手的同事", Message: "Pick who should take the leads"}
	}
	return s.batch(ctx, ids, func(id int64) error {
		_, err := s.AssignChecked(ctx, id, actor, rep)
		return err
	})
}

// BatchMove moves each lead to another pool (MovePool).
func (s *Service) BatchMove(ctx context.Context, actor, pool string, ids []int64) (*BatchResult, error) {
	if _, ok := s.Settings.Pool(pool); !ok {
		return nil, &Error{Code: EINVALID, Field: "to_pool", ZH: "请选择目标线索池", Message: "Pick the pool to move the leads to"}
	}
	return s.batch(ctx, ids, func(id int64) error {
		_, err := s.MovePool(ctx, id, actor, pool)
		return err
	})
}

func (s *Service) batch(ctx context.Context, ids []int64, one func(int64) error) (*BatchResult, error) {
	if len(ids) == 0 {
		return nil, &Error{Code: EINVALID, Field: "leads", ZH: "请至少选择一条线索", Message: "Pick at least one lead"}
	}
	if len(ids) > MaxBatch {
		return nil, &Error{Code: EINVALID, Field: "leads",
			ZH: fmt.Sprintf("一次最多处理 %d 条线索", MaxBatch), Message: fmt.Sprintf("At most %d leads at a time", MaxBatch)}
	}
	res := &BatchResult{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := ctx.Err(); err != nil {
			return res, err
		}
		err := one(id)
		if err == nil {
			res.Done = append(res.Done, id)
			continue
		}
		why := batchReason(err)
		if why == BatchFailed {
			s.logger().ErrorContext(ctx, "batch action on lead failed", "lead_id", id, "error", err)
		}
		res.refuse(id, why)
	}
	return res, nil
}

// batchReason classifies a refusal of one lead.
func batchReason(err error) BatchReason {
	var e *Error
	if !errors.As(err, &e) {
		return BatchFailed
	}
	switch e.Code {
	case ELIMIT:
		switch e.Field {
		case "limits.daily_claims":
			return BatchDailyCap
		case "cooldown":
			return BatchCooldown
		}
		return BatchCap
	case ENOTFOUND:
		return BatchNotFound
	case EFORBIDDEN, EINVALID:
		return BatchForbidden
	case ECONFLICT:
		switch e.Field {
		case "closed":
			return BatchClosed
		case "unchanged":
			return BatchUnchanged
		}
		return BatchConflict
	}
	return BatchFailed
}

// MovePool moves a lead to another pool for a manager of its current pool. An owned lead leaves its owner
// (who enters the cooldown, as after a release): it waits in the new pool for that pool's members, under
// that pool's rules, with a fresh pool card there.
func (s *Service) MovePool(ctx context.Context, leadID int64, actor, to string) (*Lead, error) {
	now := s.now()
	dst, ok := s.Settings.Pool(to)
	if !ok {
		return nil, &Error{Code: EINVALID, Field: "to_pool", ZH: "没有该线索池", Message: "There is no such pool"}
	}
	l, err := s.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
		src, err := s.pool(l.Pool)
		if err != nil {
			return nil, err
		}
		if err := canManage(src, actor); err != nil {
			return nil, err
		}
		if !l.Open() {
			return nil, &Error{Code: ECONFLICT, Field: "closed", ZH: "该线索已关闭", Message: "This lead is closed"}
		}
		if l.Pool == dst.Key {
			return nil, &Error{Code: ECONFLICT, Field: "unchanged", ZH: "该线索已在此线索池", Message: "The lead is already in that pool"}
		}
		from, prev := l.Pool, l.OwnerID
		if l.Owned() {
			ReturnToPool(l, now)
		} else {
			l.PooledAt, l.SLAStep = now, 0
			l.PoolEpoch++ // the card in the old pool's chat is retired; the new pool's chat gets one
		}
		l.Pool = dst.Key
		Replan(l, dst, s.Settings.BusinessHours)
		return []LeadEvent{NewEvent(EventMoved, actor, now, "from", from, "to", dst.Key, "prev_owner", prev)}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("move lead %d: %w", leadID, err)
	}
	s.afterWrite(ctx, l)
	return l, nil
}
