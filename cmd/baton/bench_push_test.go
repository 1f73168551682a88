package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-crm/baton/handlers"
)

// benchJDYBody is the 简道云 data_create of the i-th lead of a benchmark: the lead benchLead sends (name,
// phone, company, campaign, a distinct phone and record id, so every push is a new customer) inside
// 简道云's envelope with its system fields, so the comparison with BenchmarkIngest measures the push path
// (signature, delivery id, decoding, field map) and not a bigger lead. Widget flattening is covered by the
// end-to-end tests.
func benchJDYBody(i int64) []byte {
	body, _ := json.Marshal(map[string]any{"op": "data_create", "opTime": 1764830000000 + i, "data": map[string]any{
		"_id": fmt.Sprintf("bench%019d", i), "appId": "5b1747e93b708d0a80667400", "entryId": "5b1747e93b708d0a80667401",
		"creator": map[string]any{"name": "张三", "username": "zhangsan"}, "createTime": "2026-11-30T02:00:00.000Z",
		"_widget_1001": "压测客户", "_widget_1002": fmt.Sprintf("139%08d", i), "_widget_1003": "示例科技", "_widget_1004": "bench",
	}})
	return body
}

// postBenchPush signs and sends one 简道云 push.
func (bt *baton) postBenchPush(c *http.Client, body []byte, deliverID string) (int, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := url.Values{"timestamp": {ts}, "nonce": {deliverID}}
	req, err := http.NewRequest("POST", bt.base+"/api/v1/push/jdy-leads?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-JDY-Signature", handlers.JiandaoyunSignature(deliverID, body, jdySecret, ts))
	req.Header.Set("X-JDY-DeliverId", deliverID)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode answer: %w", err)
	}
	if out.Status != "created" {
		return resp.StatusCode, fmt.Errorf("status %q", out.Status)
	}
	return resp.StatusCode, nil
}

// BenchmarkPushJiandaoyun measures leads/s through POST /api/v1/push/{source} for 简道云 data pushes against
// POST /api/v1/leads on the same server: each iteration is a round of 16 clients × 50 signed pushes, then a
// round of 16 × 50 lead API posts carrying the same leads' content. Alternating rounds on one server keeps
// the comparison fair on a shared machine whose load drifts between separate runs. The target is a
// push/api ratio of at least 80%.
func BenchmarkPushJiandaoyun(b *testing.B) {
	cfg := strings.Replace(pushConfig(b), "limits: {open: 20, daily_claims: 10}", "limits: {open: 1000000, daily_claims: 1000000}", 1)
	bt := startBaton(b, e2eOptions{config: cfg, reps: 3, env: map[string]string{"BATON_LOG_LEVEL": "info"}})
	hc := benchHTTP(b)
	var seq atomic.Int64
	var push, api benchRound
	for b.Loop() {
		push.run(b, func(i int64) error {
			status, err := bt.postBenchPush(hc, benchJDYBody(i), fmt.Sprintf("bench-deliver-%d", i))
			if err == nil && status != http.StatusCreated {
				err = fmt.Errorf("HTTP %d", status)
			}
			return err
		}, &seq)
		api.run(b, func(i int64) error {
			status, _, err := bt.postBenchLead(hc, benchLead("api", i))
			if err == nil && status != http.StatusCreated {
				err = fmt.Errorf("HTTP %d", status)
			}
			return err
		}, &seq)
	}
	b.ReportMetric(push.rate(), "push_leads/s")
	b.ReportMetric(api.rate(), "api_leads/s")
	b.ReportMetric(100*push.rate()/api.rate(), "push/api_%")
	b.ReportMetric(ms(percentile(push.lat, 50)), "push_p50_ms")
	b.ReportMetric(ms(percentile(push.lat, 99)), "push_p99_ms")
	b.ReportMetric(ms(percentile(api.lat, 99)), "api_p99_ms")
}

// benchRound runs rounds of 16 clients × 50 requests and keeps their latencies and busy time.
type benchRound struct {
	lat  []time.Duration
	busy time.Duration
}

func (r *benchRound) run(b *testing.B, send func(i int64) error, seq *atomic.Int64) {
	const clients, perClient = 16, 50
	per := make([][]time.Duration, clients)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for range perClient {
				i := seq.Add(1)
				t0 := time.Now()
				err := send(i)
				per[c] = append(per[c], time.Since(t0))
				if err != nil {
					b.Errorf("request %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	r.busy += time.Since(start)
	if b.Failed() {
		b.FailNow()
	}
	for _, p := range per {
		r.lat = append(r.lat, p...)
	}
}

func (r *benchRound) rate() float64 { return float64(len(r.lat)) / r.busy.Seconds() }
