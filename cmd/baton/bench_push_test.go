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

// benchJDYBody is the 简道云 data_create of the i-th lead of a benchmark: the shape of the sample in
// testdata/push/jiandaoyun (address, checkbox and member widgets included), a distinct _id and phone each,
// so every push is a new customer like benchLead's.
func benchJDYBody(i int64) []byte {
	body, _ := json.Marshal(map[string]any{"op": "data_create", "opTime": 1764830000000 + i, "data": map[string]any{
		"_id": fmt.Sprintf("bench%019d", i), "appId": "5b1747e93b708d0a80667400", "entryId": "5b1747e93b708d0a80667401",
		"creator": map[string]any{"name": "张三", "username": "zhangsan"}, "createTime": "2026-11-30T02:00:00.000Z",
		"_widget_1001": "压测客户", "_widget_1002": fmt.Sprintf("139%08d", i), "_widget_1003": "示例科技", "_widget_1004": "bench",
		"_widget_1005": map[string]any{"province": "江苏省", "city": "无锡市", "district": "梁溪区", "detail": "清扬路138号"},
		"_widget_1006": []string{"产品演示", "报价"}, "_widget_1007": map[string]any{"name": "王芳", "username": "wangfang"},
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

// BenchmarkPushJiandaoyun measures leads/s through POST /api/v1/push/{source} for 简道云 data pushes from 16
// concurrent clients, as BenchmarkIngest does for POST /api/v1/leads: signature, delivery-id check and
// record, field mapping and the duplicate-submit window on top of the same intake. One iteration is a
// round of 16×50 pushes. The target is at least 80% of BenchmarkIngest's leads/s in the same run.
func BenchmarkPushJiandaoyun(b *testing.B) {
	const clients, perClient = 16, 50
	cfg := strings.Replace(pushConfig(b), "limits: {open: 20, daily_claims: 10}", "limits: {open: 1000000, daily_claims: 1000000}", 1)
	bt := startBaton(b, e2eOptions{config: cfg, reps: 3, env: map[string]string{"BATON_LOG_LEVEL": "info"}})
	hc := benchHTTP(b)
	before := bt.histogram("POST /api/v1/push/{source}")
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
					status, err := bt.postBenchPush(hc, benchJDYBody(i), fmt.Sprintf("bench-deliver-%d", i))
					per[c] = append(per[c], time.Since(t0))
					if err != nil || status != http.StatusCreated {
						b.Errorf("push %d: HTTP %d: %v", i, status, err)
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
	server := bt.histogram("POST /api/v1/push/{source}").minus(before)
	b.ReportMetric(float64(len(lat))/busy.Seconds(), "leads/s")
	b.ReportMetric(ms(percentile(lat, 50)), "p50_ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99_ms")
	b.ReportMetric(server.bound(0.99), "server_p99_le_ms")
}
