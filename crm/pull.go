package crm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"
)

// Puller runs the pull sources: it fetches their leads on a schedule, feeds them through the same intake
// as the lead API (validation, dedupe, routing), re-pulls fields the platforms fill late, and reports
// conversion states back (writeback.go). cmd/baton builds one with a platform client per pull source.
type Puller struct {
	Service   *Service
	Store     PullStore
	Platforms map[string]LeadPlatform // by source key
}

// PullStats says what a pull did.
type PullStats struct {
	From, To  time.Time
	Fetched   int // leads the platform returned (repeats of overlapping windows included)
	Created   int
	Touches   int
	Existing  int // already pulled before: nothing changed
	Rejected  int // failed validation or mapping
	Repulled  int
	Refreshed int // re-pulled leads whose late fields changed the lead
}

func (p *Puller) source(key string) (*Source, LeadPlatform, error) {
	src, ok := p.Service.Settings.Source(key)
	if !ok || src.Pull == nil {
		return nil, nil, Errorf(ENOTFOUND, "%q is not a pull source", key)
	}
	plat, ok := p.Platforms[key]
	if !ok {
		return nil, nil, Errorf(EINTERNAL, "pull source %q has no platform client", key)
	}
	return src, plat, nil
}

// PullWindow is the window the next scheduled pull of a source covers: from the end of the last complete
// pull minus the overlap (or FirstWindow back for a source never pulled) to now.
func PullWindow(ps *PullSource, pulledUntil, now time.Time) (from, to time.Time) {
	if pulledUntil.IsZero() {
		return now.Add(-ps.FirstWindow), now
	}
	from = pulledUntil.Add(-ps.Overlap)
	if from.After(now) {
		from = now
	}
	return from, now
}

// Pull runs one scheduled pull of the source: the window since the last one (overlapping it), then the
// re-pull of leads whose late fields are due. The window only advances once every page was taken in, so a
// failed pull is retried over the same span.
func (p *Puller) Pull(ctx context.Context, key string) (PullStats, error) {
	src, plat, err := p.source(key)
	if err != nil {
		return PullStats{}, err
	}
	now := p.Service.now()
	until, err := p.Store.PulledUntil(ctx, key)
	if err != nil {
		return PullStats{}, fmt.Errorf("read pull state of %s: %w", key, err)
	}
	from, to := PullWindow(src.Pull, until, now)
	st := PullStats{From: from, To: to}
	if err := p.pullWindow(ctx, key, src.Pull, plat, from, to, true, &st, nil); err != nil {
		return st, err
	}
	if err := p.Store.SetPulledUntil(ctx, key, to); err != nil {
		return st, fmt.Errorf("store pull state of %s: %w", key, err)
	}
	if err := p.repull(ctx, key, src.Pull, plat, now, &st); err != nil {
		return st, err
	}
	p.Service.logger().Info("source pulled", "source", key, "fetched", st.Fetched, "created", st.Created,
		"touches", st.Touches, "existing", st.Existing, "rejected", st.Rejected, "repulled", st.Repulled)
	return st, nil
}

// BackfillProgress reports a backfill's progress after each page.
type BackfillProgress struct {
	Day        time.Time // the day being fetched
	Days, Done int       // days in the backfill and days finished
	Stats      PullStats
}

// Backfill pulls every lead the platform recorded in [since, until), a day at a time, through the same
// intake as the scheduled pulls; leads already in Baton are left alone. It does not move the scheduled
// pull's window. progress, if set, is called after each page.
func (p *Puller) Backfill(ctx context.Context, key string, since, until time.Time, progress func(BackfillProgress)) (PullStats, error) {
	src, plat, err := p.source(key)
	if err != nil {
		return PullStats{}, err
	}
	st := PullStats{From: since, To: until}
	if !since.Before(until) {
		return st, Errorf(EINVALID, "--since must be before --until")
	}
	days := int((until.Sub(since) + 24*time.Hour - 1) / (24 * time.Hour))
	for i := range days {
		day := since.Add(time.Duration(i) * 24 * time.Hour)
		end := minTime(day.Add(24*time.Hour), until)
		report := func() {
			if progress != nil {
				progress(BackfillProgress{Day: day, Days: days, Done: i, Stats: st})
			}
		}
		// Backfilled leads are past the platform's late-fill delay: no re-pull.
		if err := p.pullWindow(ctx, key, src.Pull, plat, day, end, false, &st, report); err != nil {
			return st, err
		}
	}
	if progress != nil {
		progress(BackfillProgress{Day: until, Days: days, Done: days, Stats: st})
	}
	return st, nil
}

// pullWindow takes in every page of [from, to).
func (p *Puller) pullWindow(ctx context.Context, key string, ps *PullSource, plat LeadPlatform, from, to time.Time, repull bool, st *PullStats, after func()) error {
	for page := 1; ; page++ {
		pg, err := plat.Fetch(ctx, from, to, page)
		if err != nil {
			return fmt.Errorf("fetch page %d of %s: %w", page, key, err)
		}
		if err := p.takeIn(ctx, key, ps, pg.Leads, repull, st); err != nil {
			return err
		}
		if after != nil {
			after()
		}
		if page >= pg.Pages || len(pg.Leads) == 0 {
			return nil
		}
	}
}

// takeIn runs the leads through the lead API's intake and records them for their re-pull.
func (p *Puller) takeIn(ctx context.Context, key string, ps *PullSource, leads []PulledLead, repull bool, st *PullStats) error {
	now := p.Service.now()
	var inputs []*LeadInput
	var pulled []PulledLead
	for _, l := range leads {
		st.Fetched++
		if len(l.Problems) > 0 || l.ID == "" {
			st.Rejected++
			p.Service.logger().Warn("pulled lead not usable", "source", key, "external_id", l.ID, "problems", strings.Join(l.Problems, "; "))
			continue
		}
		in := l.Input
		in.ExternalID = l.ID
		inputs = append(inputs, &in)
		pulled = append(pulled, l)
	}
	clues := make([]PulledClue, len(inputs))
	var mu sync.Mutex
	p.Service.IntakeMany(ctx, key, inputs, func(i int, res *IntakeResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		c := PulledClue{ID: pulled[i].ID, CreatedAt: pulled[i].CreatedAt}
		if repull && ps.RepullAfter > 0 && len(ps.LateFields) > 0 {
			c.RepullAt = now.Add(ps.RepullAfter)
		}
		switch {
		case err != nil:
			st.Rejected++
			// Validation failures are the platform's data (an empty phone); the id is safe to log.
			p.Service.logger().Warn("pulled lead refused by intake", "source", key, "external_id", pulled[i].ID, "error", err)
			c.ID = "" // not recorded: a later pull tries it again
		case res.Status == IntakeCreated:
			st.Created++
			c.LeadID = res.Lead.ID
		case res.Status == IntakeTouch:
			st.Touches++
		default:
			st.Existing++
			c.RepullAt = time.Time{} // recorded (and scheduled) when first taken in
		}
		clues[i] = c
	})
	var keep []PulledClue
	for _, c := range clues {
		if c.ID != "" {
			keep = append(keep, c)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(keep) == 0 {
		return nil
	}
	if err := p.Store.RecordClues(ctx, key, keep); err != nil {
		return fmt.Errorf("record pulled leads of %s: %w", key, err)
	}
	return nil
}

// repullBatch bounds one re-pull call.
const repullBatch = 50

// repull fetches, once, the leads whose late fields are due and writes the fields that arrived into the
// lead's attributes (only for leads the clue created: a touch on another lead is not that lead's data).
func (p *Puller) repull(ctx context.Context, key string, ps *PullSource, plat LeadPlatform, now time.Time, st *PullStats) error {
	if ps.RepullAfter <= 0 || len(ps.LateFields) == 0 {
		return nil
	}
	for range 20 { // at most 1,000 per run; the rest waits for the next tick
		refs, err := p.Store.DueRepulls(ctx, key, now, repullBatch)
		if err != nil || len(refs) == 0 {
			return err
		}
		got, err := plat.Refetch(ctx, refs)
		if err != nil {
			return fmt.Errorf("re-pull %d leads of %s: %w", len(refs), key, err)
		}
		byID := make(map[string]PulledLead, len(got))
		for _, l := range got {
			byID[l.ID] = l
		}
		ids := make([]string, 0, len(refs))
		for _, r := range refs {
			ids = append(ids, r.ID)
			l, ok := byID[r.ID]
			if !ok || r.LeadID == 0 {
				continue
			}
			changed, err := p.applyLate(ctx, r.LeadID, ps.LateFields, l.Late, now)
			if err != nil {
				return err
			}
			if changed {
				st.Refreshed++
			}
		}
		st.Repulled += len(refs)
		if err := p.Store.MarkRepulled(ctx, key, ids, now); err != nil {
			return fmt.Errorf("mark re-pulled leads of %s: %w", key, err)
		}
		if len(refs) < repullBatch {
			return nil
		}
	}
	return nil
}

// applyLate stores the late fields that now have a value, under the lead's attributes.
func (p *Puller) applyLate(ctx context.Context, leadID int64, fields []string, late map[string]string, now time.Time) (bool, error) {
	changed := false
	l, err := p.Service.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
		var names []string
		attrs := maps.Clone(l.Attributes)
		if attrs == nil {
			attrs = map[string]any{}
		}
		for _, f := range fields {
			v := late[f]
			if v == "" {
				continue
			}
			if old, ok := attrs[f].(string); ok && old == v {
				continue
			}
			attrs[f] = v
			names = append(names, f)
		}
		if len(names) == 0 {
			return nil, errNoChange
		}
		sort.Strings(names)
		l.Attributes = attrs
		changed = true
		return []LeadEvent{NewEvent(EventSourceUpdated, "", now, "fields", strings.Join(names, ","))}, nil
	})
	if errors.Is(err, errNoChange) || ErrorCode(err) == ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store late fields of lead %d: %w", leadID, err)
	}
	p.Service.afterWrite(ctx, l)
	return changed, nil
}

// errNoChange aborts a MutateLead that has nothing to write.
var errNoChange = Errorf(ECONFLICT, "nothing changed")

// PreviewLead is one lead as `baton sources test` shows it: mapped, validated, never stored.
type PreviewLead struct {
	Lead     PulledLead
	Problems []string // mapping problems and the intake's validation error
}

// Preview fetches one page of the source's window [from, to) and validates each lead as intake would,
// storing nothing.
func (p *Puller) Preview(ctx context.Context, key string, from, to time.Time) (*PulledPage, []PreviewLead, error) {
	_, plat, err := p.source(key)
	if err != nil {
		return nil, nil, err
	}
	pg, err := plat.Fetch(ctx, from, to, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s: %w", key, err)
	}
	out := make([]PreviewLead, 0, len(pg.Leads))
	for _, l := range pg.Leads {
		pl := PreviewLead{Lead: l, Problems: append([]string(nil), l.Problems...)}
		in := l.Input
		in.ExternalID = l.ID
		if _, err := in.Normalize(key, p.Service.now()); err != nil {
			en, _ := ErrorMessage(err)
			pl.Problems = append(pl.Problems, en)
		}
		out = append(out, pl)
	}
	return pg, out, nil
}
