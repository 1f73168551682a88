package tencentads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
	"github.com/baton-crm/baton/platforms/platformstest"
)

func TestFetchMapsDocumentedSample(t *testing.T) {
	t.Parallel()
	sample, err := os.ReadFile("../platformstest/testdata/tencentads_leads_list_get_response.json")
	if err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Write(sample)
	}))
	defer srv.Close()
	c := New(Config{BaseURL: srv.URL, Tokens: platforms.StaticToken(platforms.Token("tok", "")), AccountID: 25610})
	from := time.Date(2026, 11, 3, 10, 0, 0, 0, platforms.ChinaTime)
	pg, err := c.Fetch(context.Background(), from, from.Add(time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	var tr timeRange
	_ = json.Unmarshal([]byte(q.Get("time_range")), &tr)
	if got.URL.Path != PathLeadsList || q.Get("access_token") != "tok" || q.Get("account_id") != "25610" || q.Get("nonce") == "" ||
		tr.TimeType != "TIME_TYPE_CREATED_TIME" || tr.StartTime != from.Unix() || q.Get("page_size") != "200" {
		t.Errorf("request = %s", got.URL)
	}
	if len(pg.Leads) != 1 {
		t.Fatalf("page = %+v", pg)
	}
	l := pg.Leads[0]
	if l.ID != "987654321" || l.Input.Name != "李四" || l.Input.Phone != "13900139000" || l.Input.Email != "lisi@example.com" ||
		l.Input.Campaign != "双11-线索-华南" || l.Input.Region != "广东省深圳市" || len(l.Problems) != 0 {
		t.Errorf("lead = %+v", l)
	}
	if _, ok := l.Late["leads_follow_tag"]; ok {
		t.Errorf("the default follow tag counts as filled: %v", l.Late)
	}
}

// TestReportBatchesAndReadsFailures: one call of up to 50, failures read back by index, 503 retried.
func TestReportBatchesAndReadsFailures(t *testing.T) {
	t.Parallel()
	f := platformstest.NewTencentAds("tok", 25610)
	defer f.Close()
	f.Add(platformstest.TencentLead{AccountID: 25610, LeadsID: 1, LeadsCreateTime: "2026-11-03 10:00:00"})
	f.FailNext(1)
	c := New(Config{BaseURL: f.URL, Tokens: platforms.StaticToken(platforms.Token("tok", "")), AccountID: 25610, Caller: platforms.NewCaller(0, time.Millisecond)})
	if c.MaxReport() != 50 {
		t.Errorf("MaxReport = %d, want the documented 50", c.MaxReport())
	}
	refused, err := c.Report(context.Background(), []crm.WriteBack{
		{EventID: 7, ExternalID: "1", State: crm.WriteBackInvalid, Code: "LEADS_CONVERT_STATUS_DEPRECATED", Reason: "LEADS_INEFFECT_REASON_EMPTY"},
		{EventID: 8, ExternalID: "2", State: crm.WriteBackWon, Code: "LEADS_CONVERT_STATUS_TRANS_COMPLETED"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || refused[0].EventID != 8 {
		t.Errorf("refused = %+v, want event 8 (fail_leads_list index 1)", refused)
	}
	ups := f.Updates()
	if len(ups) != 1 || len(ups[0]) != 2 || ups[0][0].LeadsIneffectReason != "LEADS_INEFFECT_REASON_EMPTY" || ups[0][1].LeadsIneffectReason != "" {
		t.Errorf("updates = %+v", ups)
	}
	many := make([]crm.WriteBack, 51)
	if _, err := c.Report(context.Background(), many); err == nil {
		t.Error("51 states in one call were sent")
	}
}
