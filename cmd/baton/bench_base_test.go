package main

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// BenchmarkBaseMirrorLag measures how long a lead takes to appear in the Feishu Base mirror while leads
// arrive at 100 a second, with the emulator enforcing Base's rate limits (50 calls/s per write API) and
// write-conflict rule. One iteration is 10 seconds of arrivals (1,000 leads) and the wait for the last of
// them; it reports the lag's p50/p99/max and the calls Base refused for going too fast. The target is
// p99 under 10 s with no refusals.
func BenchmarkBaseMirrorLag(b *testing.B) {
	cfg := strings.Replace(eastPool(), "managers:", "limits: {open: 1000000, daily_claims: 1000000}\n    managers:", 1) +
		"base: {app_token: " + e2eBaseToken + "}\n"
	bt := startBaton(b, e2eOptions{config: cfg, setup: withBase, env: map[string]string{"BATON_LOG_LEVEL": "info"}})
	bt.emu.EnforceRateLimits(true)
	bt.emu.SetBaseEcho(false) // nobody edits: the events of Baton's own writes would only add noise
	table := bt.baseTable()
	hc := benchHTTP(b)
	const perSecond, seconds = 100, 10
	var lags []time.Duration
	seq := 0
	for b.Loop() {
		var mu sync.Mutex
		posted := map[int64]time.Time{}
		seen := map[int64]bool{}
		total := perSecond * seconds
		// The watcher notes each record as it appears, while the leads are still arriving.
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			changes, cancel := bt.emu.Changes()
			defer cancel()
			deadline := time.After(2*time.Minute + seconds*time.Second)
			for {
				recs := bt.emu.BaseRecords(e2eBaseToken, table)
				now := time.Now()
				mu.Lock()
				for _, r := range recs {
					n, _ := r.Fields[crm.ColNumber].(float64)
					id := int64(n)
					if at, ok := posted[id]; ok && !seen[id] {
						seen[id] = true
						lags = append(lags, now.Sub(at))
					}
				}
				done := len(seen)
				mu.Unlock()
				if done >= total {
					return
				}
				select {
				case <-changes:
				case <-time.After(50 * time.Millisecond):
				case <-deadline:
					b.Errorf("%d of %d leads reached Base", done, total)
					return
				}
			}
		}()
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / perSecond)
		for range total {
			<-tick.C
			seq++
			i := seq
			wg.Add(1)
			go func() {
				defer wg.Done()
				at := time.Now()
				status, id, err := bt.postBenchLead(hc, benchLead("base", int64(i)))
				if err != nil || status != http.StatusCreated {
					b.Errorf("post lead %d: HTTP %d %v", i, status, err)
					return
				}
				mu.Lock()
				posted[id] = at
				mu.Unlock()
			}()
		}
		tick.Stop()
		wg.Wait()
		<-watched
	}
	slices.Sort(lags)
	if len(lags) > 0 {
		q := func(p float64) float64 { return lags[min(int(p*float64(len(lags))), len(lags)-1)].Seconds() }
		b.ReportMetric(q(0.50), "lag_p50_s")
		b.ReportMetric(q(0.99), "lag_p99_s")
		b.ReportMetric(lags[len(lags)-1].Seconds(), "lag_max_s")
	}
	created, conflicts := bt.emu.BaseStats()
	b.ReportMetric(float64(bt.emu.RateLimited()), "rate_limited")
	b.ReportMetric(float64(conflicts), "write_conflicts")
	b.ReportMetric(float64(created), "records")
}
