package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// The benchmarks run the whole server in-process on PostgreSQL and Redis (BATON_TEST_DATABASE_URL,
// BATON_TEST_REDIS_URL) with the emulator as Lark, the way scripts/bench.sh runs them. Client, server,
// emulator and databases share the machine's cores, so the numbers are a floor for one box, not a ceiling.

// startBench starts Baton for a benchmark: the e2e tenant with per-rep caps lifted (a benchmark's reps win
// many races), logging at logLevel (info is what production runs).
func startBench(b *testing.B, reps int, logLevel string) *baton {
	b.Helper()
	cfg := strings.Replace(defaultE2EConfig, "limits: {open: 20, daily_claims: 10}",
		"limits: {open: 1000000, daily_claims: 1000000}", 1)
	if cfg == defaultE2EConfig {
		b.Fatal("the e2e config no longer carries the limits the benchmarks lift")
	}
	return startBaton(b, e2eOptions{config: cfg, reps: reps, env: map[string]string{"BATON_LOG_LEVEL": logLevel}})
}

// benchLead is the web-form body of the i-th lead of a benchmark: a distinct phone and external id, so every
// lead is a new customer (the costliest intake path: encryption, hashes, customer and lead rows).
func benchLead(kind string, i int64) []byte {
	body, _ := json.Marshal(map[string]any{"external_id": fmt.Sprintf("%s-%d", kind, i), "name": "压测客户",
		"phone": fmt.Sprintf("139%08d", i), "company": "示例科技", "campaign": "bench"})
	return body
}

// benchHTTP is a client that keeps a connection per concurrent caller: http.DefaultTransport keeps only two
// idle connections per host, so 16 callers would otherwise reconnect all the time.
func benchHTTP(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// postBenchLead posts one lead and returns the HTTP status and the lead id (0 unless created).
func (bt *baton) postBenchLead(c *http.Client, body []byte) (int, int64, error) {
	req, err := http.NewRequest("POST", bt.base+"/api/v1/leads", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+webToken)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return resp.StatusCode, 0, fmt.Errorf("decode answer: %w", err)
	}
	return resp.StatusCode, out.ID, nil
}

// BenchmarkIngest measures leads/s through POST /api/v1/leads from 16 concurrent clients and the request
// latency seen by the clients and by the server's own histogram. One iteration is a round of 16×50 leads.
// Compare leads/s with pgbench's single-row INSERT tps on the same PostgreSQL (scripts/bench.sh).
func BenchmarkIngest(b *testing.B) {
	const clients, perClient = 16, 50
	bt := startBench(b, 3, "info")
	hc := benchHTTP(b)
	before := bt.histogram("POST /api/v1/leads")
	var seq atomic.Int64
	var lat []time.Duration
	var busy time.Duration
	for b.Loop() {
		per := make([][]time.Duration, clients)
		start := time.Now()
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for range perClient {
					i := seq.Add(1)
					t0 := time.Now()
					status, _, err := bt.postBenchLead(hc, benchLead("ingest", i))
					per[c] = append(per[c], time.Since(t0))
					if err != nil || status != http.StatusCreated {
						b.Errorf("lead %d: HTTP %d: %v", i, status, err)
						return
					}
				}
			})
		}
		wg.Wait()
		busy += time.Since(start)
		if b.Failed() {
			b.FailNow()
		}
		for _, p := range per {
			lat = append(lat, p...)
		}
	}
	server := bt.histogram("POST /api/v1/leads").minus(before)
	b.ReportMetric(float64(len(lat))/busy.Seconds(), "leads/s")
	b.ReportMetric(ms(percentile(lat, 50)), "p50_ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99_ms")
	b.ReportMetric(server.bound(0.99), "server_p99_le_ms")
}

// BenchmarkIngestBatch measures leads/s through POST /api/v1/leads/batch, one client sending batches of
// 1,000 new customers (the API's maximum): how fast a backfill or a CRM sync can push.
func BenchmarkIngestBatch(b *testing.B) {
	const size = 1000
	bt := startBench(b, 3, "info")
	hc := benchHTTP(b)
	var seq int64
	var busy time.Duration
	n := 0
	for b.Loop() {
		leads := make([]json.RawMessage, size)
		for i := range leads {
			seq++
			leads[i] = benchLead("batch", seq)
		}
		body, _ := json.Marshal(map[string]any{"leads": leads})
		req, _ := http.NewRequest("POST", bt.base+"/api/v1/leads/batch", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+webToken)
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Results []struct {
				Status string `json:"status"`
			} `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		busy += time.Since(start)
		if err != nil || resp.StatusCode != http.StatusOK || len(out.Results) != size {
			b.Fatalf("batch: HTTP %d, %d results, %v", resp.StatusCode, len(out.Results), err)
		}
		for i, r := range out.Results {
			if r.Status != "created" {
				b.Fatalf("batch item %d: %q", i, r.Status)
			}
		}
		n += size
	}
	b.ReportMetric(float64(n)/busy.Seconds(), "leads/s")
	b.ReportMetric(ms(busy/time.Duration(b.N)), "ms/batch")
}

// BenchmarkLeadToCard measures the time from the API's answer to the pool card's arrival at the emulator,
// one lead at a time. Leads are spaced 300 ms after the previous card, because Baton paces a chat at Lark's
// 4 cards/s and this measures the path, not the pacing.
func BenchmarkLeadToCard(b *testing.B) {
	bt := startBench(b, 3, "info")
	hc := benchHTTP(b)
	changes, stop := bt.emu.Changes()
	defer stop()
	var fromAnswer, fromSend []time.Duration
	var i int64
	for b.Loop() {
		i++
		sent := time.Now()
		status, id, err := bt.postBenchLead(hc, benchLead("card", i))
		answered := time.Now()
		if err != nil || status != http.StatusCreated {
			b.Fatalf("lead %d: HTTP %d: %v", i, status, err)
		}
		card := bt.waitCardFor(b, changes, id)
		fromAnswer = append(fromAnswer, card.CreatedAt.Sub(answered))
		fromSend = append(fromSend, card.CreatedAt.Sub(sent))
		b.StopTimer()
		time.Sleep(300*time.Millisecond - time.Since(card.CreatedAt))
		b.StartTimer()
	}
	b.ReportMetric(ms(percentile(fromAnswer, 50)), "p50_ms")
	b.ReportMetric(ms(percentile(fromAnswer, 99)), "p99_ms")
	b.ReportMetric(ms(percentile(fromSend, 99)), "p99_from_send_ms")
}

// waitCardFor waits, woken by the emulator's change feed, until the pool chat holds a card for lead id.
func (bt *baton) waitCardFor(b *testing.B, changes <-chan struct{}, id int64) larktest.Message {
	b.Helper()
	marker := `"lead":"` + strconv.FormatInt(id, 10) + `"`
	deadline := time.After(15 * time.Second)
	for {
		msgs := bt.cardsIn(salesChat)
		for j := len(msgs) - 1; j >= 0; j-- {
			if strings.Contains(msgs[j].Content, marker) {
				return msgs[j]
			}
		}
		select {
		case <-changes:
		case <-deadline:
			b.Fatalf("no card for lead %d after 15 s\nlogs:\n%s", id, tail(bt.logs.String(), 4000))
		}
	}
}

// BenchmarkClaimRace has 50 reps tap Claim on the same fresh card at once, once per iteration, and checks
// that exactly one wins. Server-side latency comes two ways: the card handler's own duration_ms from the
// debug log (millisecond resolution), and the bucket of POST /lark/events in the server's histogram that
// holds the percentile (the whole request: decryption, dedup, handler, answer). The emulator's round trip
// adds its signing, encryption and client scheduling on the same cores. The lead and its card are made with
// the timer stopped.
func BenchmarkClaimRace(b *testing.B) {
	const racers = 50
	bt := startBench(b, racers, "debug") // debug logs carry each card action's duration_ms
	hc := benchHTTP(b)
	changes, stop := bt.emu.Changes()
	defer stop()
	before := bt.histogram("POST /lark/events")
	logStart := len(bt.logs.String())
	raceCalls := map[string]int{}
	var rtt []time.Duration
	var i int64
	for b.Loop() {
		b.StopTimer()
		i++
		status, id, err := bt.postBenchLead(hc, benchLead("race", i))
		if err != nil || status != http.StatusCreated {
			b.Fatalf("lead %d: HTTP %d: %v", i, status, err)
		}
		card := bt.waitCardFor(b, changes, id)
		callsBefore := len(bt.emu.Calls())
		// The callbacks are built, signed and encrypted before the gate opens: that is Lark's work, done
		// on its servers, not Baton's, and here it would share Baton's two cores.
		clicks := make([]*larktest.PreparedClick, racers)
		for j := range racers {
			if clicks[j], err = bt.emu.PrepareClick(card.ID, "claim", repID(j+1)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		results := make([]larktest.ClickResult, racers)
		errs := make([]error, racers)
		took := make([]time.Duration, racers)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for j := range racers {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				<-gate
				t0 := time.Now()
				results[j], errs[j] = clicks[j].Send(ctx)
				took[j] = time.Since(t0)
			})
		}
		close(gate)
		wg.Wait()
		b.StopTimer()
		// Lark API calls made while the race ran (the winner's cards go out meanwhile): which outbound
		// work shares the cores with the callbacks.
		for _, c := range bt.emu.Calls()[callsBefore:] {
			raceCalls[c.Route]++
		}
		winners := 0
		for j, r := range results {
			if errs[j] != nil || r.Status != http.StatusOK {
				b.Fatalf("race %d, rep %d: HTTP %d: %v", i, j+1, r.Status, errs[j])
			}
			if r.Toast != nil && r.Toast.Type == "success" {
				winners++
			}
		}
		if winners != 1 {
			b.Fatalf("race %d: %d winners, want exactly 1", i, winners)
		}
		rtt = append(rtt, took...)
		b.StartTimer()
	}
	server := bt.histogram("POST /lark/events").minus(before)
	if want := float64(len(rtt)); server.count != want {
		b.Logf("the server saw %.0f callbacks for %.0f clicks; its percentiles include the difference", server.count, want)
	}
	b.Logf("Lark API calls during %d races: %v", b.N, raceCalls)
	handled := bt.handlerTimes(logStart)
	if len(handled) != len(rtt) {
		b.Fatalf("found %d logged card actions for %d clicks", len(handled), len(rtt))
	}
	b.ReportMetric(ms(percentile(handled, 50)), "handler_p50_ms")
	b.ReportMetric(ms(percentile(handled, 99)), "handler_p99_ms")
	b.ReportMetric(server.bound(0.50), "server_p50_le_ms")
	b.ReportMetric(server.bound(0.99), "server_p99_le_ms")
	b.ReportMetric(ms(percentile(rtt, 99)), "roundtrip_p99_ms")
}

// hist is one route's cumulative latency buckets from /metrics: upper bounds in seconds and counts.
type hist struct {
	le     []float64
	counts []float64
	count  float64
}

// histogram scrapes /metrics for the baton_http_request_duration_seconds buckets of route.
func (bt *baton) histogram(route string) hist {
	bt.t.Helper()
	resp, err := http.Get(bt.base + "/metrics")
	if err != nil {
		bt.t.Fatalf("scrape metrics: %v", err)
	}
	defer resp.Body.Close()
	prefix := `baton_http_request_duration_seconds_bucket{route="` + route + `",le="`
	var h hist
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			continue
		}
		bound, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			bt.t.Fatalf("unexpected metrics line %q", sc.Text())
		}
		le, err1 := strconv.ParseFloat(bound, 64)
		n, err2 := strconv.ParseFloat(value, 64)
		if err1 != nil || err2 != nil {
			bt.t.Fatalf("unexpected metrics line %q", sc.Text())
		}
		h.le = append(h.le, le)
		h.counts = append(h.counts, n)
	}
	if err := sc.Err(); err != nil {
		bt.t.Fatalf("read metrics: %v", err)
	}
	if len(h.counts) > 0 {
		h.count = h.counts[len(h.counts)-1] // the +Inf bucket
	}
	return h
}

// minus returns the observations made since earlier (an empty hist when the route had none yet).
func (h hist) minus(earlier hist) hist {
	if len(earlier.counts) == 0 {
		return h
	}
	out := hist{le: h.le, counts: make([]float64, len(h.counts)), count: h.count - earlier.count}
	for i := range h.counts {
		out.counts[i] = h.counts[i] - earlier.counts[i]
	}
	return out
}

// bound returns the upper bound, in milliseconds, of the bucket the q-quantile falls in: the quantile is at
// most this (+Inf when it falls past the last finite bucket). Interpolating inside the coarse buckets would
// invent precision the histogram does not have.
func (h hist) bound(q float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	for i, le := range h.le {
		if h.counts[i] >= q*h.count {
			return le * 1000
		}
	}
	return math.Inf(1)
}

// handlerTimes returns the duration_ms of the card actions Baton logged (handled at debug level, refused
// at error level) after the first offset bytes of its log: the time inside the card handler, without decryption and the HTTP exchange.
func (bt *baton) handlerTimes(offset int) []time.Duration {
	logs := bt.logs.String()[offset:]
	var out []time.Duration
	for line := range strings.Lines(logs) {
		var rec struct {
			Msg        string `json:"msg"`
			DurationMS *int64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.DurationMS == nil ||
			(rec.Msg != "lark card action handled" && rec.Msg != "lark card handler failed") {
			continue
		}
		out = append(out, time.Duration(*rec.DurationMS)*time.Millisecond)
	}
	return out
}

// percentile returns the p-th percentile (nearest rank) of d.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
