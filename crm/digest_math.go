package crm

import (
	"math"
	"sort"
	"time"
)

// PercentileCont returns the p-th percentile (0 ≤ p ≤ 1) of values with PostgreSQL's percentile_cont
// interpolation: the value at rank p·(n−1), interpolated linearly between its neighbours. values need not
// be sorted; it is not modified. An empty set gives 0.
func PercentileCont(values []float64, p float64) float64 {
	if len(values) == 0 {
		return 0
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	pos := p * float64(len(v)-1)
	lo := int(math.Floor(pos))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (pos-float64(lo))*(v[lo+1]-v[lo])
}

// PercentilesOf summarises durations given in seconds, rounding to whole seconds as the cards show them.
func PercentilesOf(seconds []float64) Percentiles {
	return Percentiles{
		N:   len(seconds),
		P50: secondsDuration(PercentileCont(seconds, 0.5)),
		P90: secondsDuration(PercentileCont(seconds, 0.9)),
	}
}

func secondsDuration(s float64) time.Duration { return time.Duration(math.Round(s)) * time.Second }

// Rate returns n/d, or 0 when d is 0.
func Rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// WinRate is won / (won + lost) among leads closed in the range.
func (f *DigestFigures) WinRate() float64 { return Rate(f.Won, f.Won+f.Lost) }

// BreachTotal is the number of SLA steps that fired.
func (f *DigestFigures) BreachTotal() int {
	n := 0
	for _, b := range f.Breaches {
		n += b.Count
	}
	return n
}

// Conversion is one funnel step with its conversion from the previous step and from the top.
type Conversion struct {
	Stage     Stage
	Count     int
	FromPrev  float64
	FromStart float64
}

// Conversions turns the funnel counts into conversion rates.
func (f *DigestFigures) Conversions() []Conversion {
	out := make([]Conversion, len(f.Funnel))
	for i, s := range f.Funnel {
		c := Conversion{Stage: s.Stage, Count: s.Count, FromPrev: 1, FromStart: 1}
		if i > 0 {
			c.FromPrev = Rate(s.Count, f.Funnel[i-1].Count)
			c.FromStart = Rate(s.Count, f.Funnel[0].Count)
		}
		out[i] = c
	}
	return out
}

// Delta compares a figure with the week before.
type Delta struct {
	Key       string // "new_leads", "claims", "claim_p50", "contact_p50", "breaches", "recycled", "won", "revenue", "win_rate"
	Cur, Prev float64
	Pct       float64 // (Cur−Prev)/Prev; meaningless when HasPct is false
	HasPct    bool
	// Better says whether the move is good news: fewer breaches and shorter waits are better.
	Better bool
}

// Diff is Cur − Prev.
func (d Delta) Diff() float64 { return d.Cur - d.Prev }

// Deltas compares this week's headline figures with last week's. prev may be nil (no comparison).
func Deltas(cur, prev *DigestFigures) []Delta {
	if cur == nil || prev == nil {
		return nil
	}
	type fig struct {
		key       string
		c, p      float64
		lowerWins bool
	}
	figs := []fig{
		{"new_leads", float64(cur.NewLeads), float64(prev.NewLeads), false},
		{"claims", float64(cur.Claims), float64(prev.Claims), false},
		{"claim_p50", cur.ClaimTime.P50.Seconds(), prev.ClaimTime.P50.Seconds(), true},
		{"contact_p50", cur.FirstContact.P50.Seconds(), prev.FirstContact.P50.Seconds(), true},
		{"breaches", float64(cur.BreachTotal()), float64(prev.BreachTotal()), true},
		{"recycled", float64(cur.Recycled), float64(prev.Recycled), true},
		{"won", float64(cur.Won), float64(prev.Won), false},
		{"revenue", float64(cur.Revenue), float64(prev.Revenue), false},
		{"win_rate", cur.WinRate(), prev.WinRate(), false},
	}
	out := make([]Delta, len(figs))
	for i, f := range figs {
		d := Delta{Key: f.key, Cur: f.c, Prev: f.p}
		if f.p != 0 {
			d.Pct, d.HasPct = (f.c-f.p)/f.p, true
		}
		d.Better = (f.c < f.p) == f.lowerWins && f.c != f.p
		out[i] = d
	}
	return out
}
