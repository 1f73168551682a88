package crm

import (
	"math"
	"testing"
	"time"
)

func TestWeekOfAndParseWeek(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	ny := mustLoc(t, "America/New_York")
	// Sunday 2026-11-29 23:30 in Shanghai is 15:30 UTC the same Sunday: still W48 there.
	sundayNight := time.Date(2026, 11, 29, 15, 30, 0, 0, time.UTC)
	// Monday 2026-11-30 00:30 in Shanghai is Sunday 16:30 UTC: already W49 there, though UTC says W48.
	mondayEarly := time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		arg  string
		now  time.Time
		loc  *time.Location
		want string
		from time.Time // local Monday 00:00
	}{
		{"empty is this week", "", sundayNight, sh, "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, sh)},
		{"monday early local", "this week", mondayEarly, sh, "2026-W49", time.Date(2026, 11, 30, 0, 0, 0, 0, sh)},
		{"same instant in UTC", "本周", mondayEarly, time.UTC, "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{"last week", "last  week", mondayEarly, sh, "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, sh)},
		{"上周", "上周", sundayNight, sh, "2026-W47", time.Date(2026, 11, 16, 0, 0, 0, 0, sh)},
		{"iso week", "2026-W48", mondayEarly, sh, "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, sh)},
		{"iso lower case no dash", "2026w05", mondayEarly, sh, "2026-W05", time.Date(2026, 1, 26, 0, 0, 0, 0, sh)},
		// ISO week 1 of 2026 starts on Monday 2025-12-29; 2026 has 53 weeks (it starts on a Thursday).
		{"week 1 starts in the old year", "2026-W01", mondayEarly, sh, "2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, sh)},
		{"week 53", "2026-W53", mondayEarly, sh, "2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, sh)},
		{"last week across the year", "last week", time.Date(2027, 1, 5, 12, 0, 0, 0, sh), sh, "2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, sh)},
		// 2026-11-01 is the end of daylight saving time in New York: that week has 169 hours.
		{"dst week", "2026-W44", mondayEarly, ny, "2026-W44", time.Date(2026, 10, 26, 0, 0, 0, 0, ny)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := ParseWeek(tc.arg, tc.now, tc.loc)
			if err != nil {
				t.Fatalf("ParseWeek(%q): %v", tc.arg, err)
			}
			if w.String() != tc.want || !w.Start.Equal(tc.from) || !w.End.Equal(tc.from.AddDate(0, 0, 7)) {
				t.Errorf("ParseWeek(%q) = %s [%s, %s), want %s from %s", tc.arg, w, w.Start, w.End, tc.want, tc.from)
			}
		})
	}
	if w, _ := ParseWeek("2026-W44", mondayEarly, ny); w.End.Sub(w.Start) != 169*time.Hour {
		t.Errorf("the DST week lasts %s, want 169h", w.End.Sub(w.Start))
	}
	if w := WeekOf(sundayNight, sh); !w.Contains(sundayNight) || w.Contains(mondayEarly) {
		t.Errorf("W48 in Shanghai: contains Sunday 23:30 = %v, Monday 00:30 = %v", w.Contains(sundayNight), w.Contains(mondayEarly))
	}
	for _, bad := range []string{"bogus", "2026-W54", "2025-W53", "2026-W00", "26-W10", "next week", "2026-W4x"} {
		if _, err := ParseWeek(bad, mondayEarly, sh); ErrorCode(err) != EINVALID {
			t.Errorf("ParseWeek(%q) error = %v, want EINVALID", bad, err)
		}
	}
}

func TestPercentileContMatchesPostgres(t *testing.T) {
	t.Parallel()
	// Expected values are what PostgreSQL's percentile_cont returns for the same sets.
	tests := []struct {
		vals []float64
		p    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{7}, 0.9, 7},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{255600, 600, 86400, 1800}, 0.5, 44100},
		{[]float64{255600, 600, 86400, 1800}, 0.9, 204840},
		{[]float64{1800, 18000, 1800}, 0.9, 14760},
		{[]float64{10, 20, 30, 40, 50}, 0.9, 46},
		{[]float64{10, 20, 30, 40, 50}, 1, 50},
		{[]float64{10, 20, 30, 40, 50}, 0, 10},
	}
	for _, tc := range tests {
		if got := PercentileCont(tc.vals, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("PercentileCont(%v, %v) = %v, want %v", tc.vals, tc.p, got, tc.want)
		}
	}
	in := []float64{3, 1, 2}
	PercentileCont(in, 0.5)
	if in[0] != 3 || in[1] != 1 {
		t.Errorf("PercentileCont sorted its input: %v", in)
	}
}

func TestConversionsAndDeltas(t *testing.T) {
	t.Parallel()
	f := &DigestFigures{NewLeads: 4, Claims: 3, Won: 1, Lost: 3, Revenue: 100,
		ClaimTime: Percentiles{N: 3, P50: 10 * time.Minute},
		Breaches:  []BreachCount{{Count: 2}, {Count: 3}},
		Funnel:    []StageCount{{StageNew, 4}, {StageContacted, 2}, {StageQualified, 1}, {StageProposal, 0}, {StageWon, 0}}}
	conv := f.Conversions()
	want := []Conversion{{StageNew, 4, 1, 1}, {StageContacted, 2, 0.5, 0.5}, {StageQualified, 1, 0.5, 0.25},
		{StageProposal, 0, 0, 0}, {StageWon, 0, 0, 0}}
	for i := range want {
		if conv[i] != want[i] {
			t.Errorf("conversion %d = %+v, want %+v", i, conv[i], want[i])
		}
	}
	prev := &DigestFigures{NewLeads: 2, Claims: 3, Won: 1, Lost: 1, Revenue: 0,
		ClaimTime: Percentiles{N: 1, P50: 20 * time.Minute}, Breaches: []BreachCount{{Count: 1}}}
	got := map[string]Delta{}
	for _, d := range Deltas(f, prev) {
		got[d.Key] = d
	}
	checks := []struct {
		key            string
		diff, pct      float64
		hasPct, better bool
	}{
		{"new_leads", 2, 1, true, true},
		{"claims", 0, 0, true, false},
		{"claim_p50", -600, -0.5, true, true}, // faster claims are good news
		{"breaches", 4, 4, true, false},       // more breaches are bad news
		{"revenue", 100, 0, false, true},      // no percentage from zero
		{"win_rate", -0.25, -0.5, true, false},
	}
	for _, c := range checks {
		d := got[c.key]
		if d.Diff() != c.diff || d.HasPct != c.hasPct || (c.hasPct && math.Abs(d.Pct-c.pct) > 1e-9) || d.Better != c.better {
			t.Errorf("%s: diff %v pct %v hasPct %v better %v, want %v %v %v %v", c.key, d.Diff(), d.Pct, d.HasPct, d.Better,
				c.diff, c.pct, c.hasPct, c.better)
		}
	}
	if Deltas(f, nil) != nil {
		t.Error("deltas without a previous week")
	}
}

func TestSummarizeFeedbackWorstMovers(t *testing.T) {
	t.Parallel()
	cur := []FeedbackRow{
		{Source: "a", Leads: 10, Invalid: 5},               // 0.5, was 0.1: +0.4
		{Source: "b", Leads: 20, Invalid: 1, Duplicate: 1}, // 0.1, was 0.5: falling
		{Source: "c", Leads: 4, Duplicate: 1},              // 0.25, new: +0.25
		{Source: "d", Leads: 10, Invalid: 2},               // 0.2, was 0.1: +0.1
		{Source: "e", Leads: 10, Invalid: 3},               // 0.3, was 0.15: +0.15
		{Source: "f", Leads: 1, Invalid: 1, Duplicate: 1},  // capped at 1, was 1: flat
	}
	prev := []FeedbackRow{{Source: "a", Leads: 10, Invalid: 1}, {Source: "b", Leads: 2, Invalid: 1},
		{Source: "d", Leads: 10, Duplicate: 1}, {Source: "e", Leads: 20, Invalid: 3}, {Source: "f", Leads: 1, Invalid: 1}}
	s := SummarizeFeedback(cur, prev, time.Time{}, time.Time{})
	var order, movers []string
	for _, l := range s.Lines {
		order = append(order, l.Source)
	}
	for _, m := range s.Movers {
		movers = append(movers, m.Source)
	}
	if got, want := join(order), "b a d e c f"; got != want {
		t.Errorf("lines ordered %q, want %q (most leads first)", got, want)
	}
	if got, want := join(movers), "a c e"; got != want {
		t.Errorf("worst movers %q, want %q", got, want)
	}
	if s.Movers[1].HadPrev || !s.Movers[0].HadPrev || math.Abs(s.Movers[0].Move()-0.4) > 1e-9 {
		t.Errorf("movers: %+v", s.Movers)
	}
	if l := s.Lines[1]; l.InvalidRate != 0.5 || l.DuplicateRate != 0 {
		t.Errorf("rates of a: %+v", l)
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
