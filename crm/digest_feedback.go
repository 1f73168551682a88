package crm

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// FeedbackWindow is the span the sales → ops roll-up covers: leads created in the last seven days, compared
// with the seven days before to find the worst movers.
const FeedbackWindow = 7 * 24 * time.Hour

// maxMovers bounds how many worst movers the summary highlights.
const maxMovers = 3

// FeedbackLine is one source and campaign of the roll-up with its rates.
type FeedbackLine struct {
	FeedbackRow
	InvalidRate   float64 // leads rated invalid_number / leads
	DuplicateRate float64 // leads rated duplicate / leads
	BadRate       float64 // (invalid + duplicate) / leads, at most 1
	PrevBadRate   float64 // the same over the window before; 0 when the source had no leads then
	HadPrev       bool
}

// Move is how much the bad-lead rate rose since the window before (negative: it fell).
func (l FeedbackLine) Move() float64 { return l.BadRate - l.PrevBadRate }

// FeedbackSummary is the sales → ops roll-up card's content.
type FeedbackSummary struct {
	Since, Until time.Time
	Lines        []FeedbackLine // most leads first
	Movers       []FeedbackLine // the sources whose bad-lead rate rose most, worst first
}

// SummarizeFeedback computes rates and worst movers from this window's rows and the previous window's.
func SummarizeFeedback(cur, prev []FeedbackRow, since, until time.Time) *FeedbackSummary {
	type key struct{ source, campaign string }
	before := make(map[key]FeedbackRow, len(prev))
	for _, r := range prev {
		before[key{r.Source, r.Campaign}] = r
	}
	out := &FeedbackSummary{Since: since, Until: until, Lines: make([]FeedbackLine, len(cur))}
	for i, r := range cur {
		l := FeedbackLine{FeedbackRow: r, InvalidRate: Rate(r.Invalid, r.Leads), DuplicateRate: Rate(r.Duplicate, r.Leads),
			BadRate: badRate(r)}
		if p, ok := before[key{r.Source, r.Campaign}]; ok && p.Leads > 0 {
			l.PrevBadRate, l.HadPrev = badRate(p), true
		}
		out.Lines[i] = l
	}
	sort.SliceStable(out.Lines, func(i, j int) bool {
		a, b := out.Lines[i], out.Lines[j]
		if a.Leads != b.Leads {
			return a.Leads > b.Leads
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Campaign < b.Campaign
	})
	for _, l := range out.Lines {
		if l.Move() > 0 {
			out.Movers = append(out.Movers, l)
		}
	}
	sort.SliceStable(out.Movers, func(i, j int) bool { return out.Movers[i].Move() > out.Movers[j].Move() })
	if len(out.Movers) > maxMovers {
		out.Movers = out.Movers[:maxMovers]
	}
	return out
}

func badRate(r FeedbackRow) float64 {
	v := Rate(r.Invalid+r.Duplicate, r.Leads)
	if v > 1 {
		return 1
	}
	return v
}

// feedbackKey is the MarkPosted key of the roll-up: one per configured destination set.
const feedbackKey = "ops"

// PostFeedbackSummary posts the sales → ops quality roll-up to the feedback_summary destinations (the ops
// channels by default). It posts only on business days, and only when sales said something new since the
// last summary: the store's mark of the newest verdict is compared with the one recorded at the last post.
func (s *Service) PostFeedbackSummary(ctx context.Context, now time.Time) error {
	if s.Digests == nil || !s.businessDay(now) {
		return nil
	}
	to := s.feedbackRecipients()
	if len(to) == 0 {
		return nil
	}
	since := now.Add(-FeedbackWindow)
	cur, err := s.Digests.FeedbackFigures(ctx, since, now)
	if err != nil {
		return fmt.Errorf("feedback figures: %w", err)
	}
	if cur.Mark == "" || len(cur.Rows) == 0 {
		return nil
	}
	last, err := s.Digests.LastPosted(ctx, ReportFeedback, feedbackKey)
	if err != nil {
		return fmt.Errorf("check feedback summary: %w", err)
	}
	if last == cur.Mark {
		return nil
	}
	prev, err := s.Digests.FeedbackFigures(ctx, since.Add(-FeedbackWindow), since)
	if err != nil {
		return fmt.Errorf("feedback figures: %w", err)
	}
	loc := s.location()
	card := s.Renderer.FeedbackCard(SummarizeFeedback(cur.Rows, prev.Rows, since.In(loc), now.In(loc)))
	for _, rc := range to {
		if _, err := s.Messenger.Send(ctx, rc, Outgoing{Card: card}, "feedback-"+cur.Mark+"-"+rc.ChatID+rc.OpenID); err != nil {
			return fmt.Errorf("send feedback summary: %w", err)
		}
	}
	if _, err := s.Digests.MarkPosted(ctx, ReportFeedback, feedbackKey, cur.Mark, now); err != nil {
		return fmt.Errorf("record feedback summary: %w", err)
	}
	s.logger().InfoContext(ctx, "posted feedback summary", "sources", len(cur.Rows), "recipients", len(to))
	return nil
}

// businessDay reports whether now falls on a business day in the configured calendar (every day without one).
func (s *Service) businessDay(now time.Time) bool {
	bh := s.Settings.BusinessHours
	if bh == nil || bh.Validate() != nil {
		return true
	}
	start := bh.DayStart(now)
	return bh.NextOpen(start).Before(start.AddDate(0, 0, 1))
}

func (s *Service) feedbackRecipients() []Recipient {
	to := s.Settings.FeedbackSummary.To
	if len(to) == 0 {
		to = []string{"ops_channels"}
	}
	var out []Recipient
	for _, t := range to {
		switch t {
		case "ops_channels":
			for _, c := range s.Settings.OpsChannels {
				out = append(out, Recipient{ChatID: c})
			}
		case "managers":
			out = append(out, s.allManagers()...)
		default:
			out = append(out, Recipient{ChatID: t})
		}
	}
	return uniqueRecipients(out)
}
