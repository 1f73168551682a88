package oceanengine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
	"github.com/baton-crm/baton/platforms/platformstest"
)

// TestFetchMapsDocumentedSample serves the documented sample answer and checks the mapping.
func TestFetchMapsDocumentedSample(t *testing.T) {
	t.Parallel()
	sample, err := os.ReadFile("../platformstest/testdata/oceanengine_clue_get_response.json")
	if err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Write(sample)
	}))
	defer srv.Close()
	c := New(Config{BaseURL: srv.URL, Tokens: platforms.StaticToken(platforms.Token("tok", "")), AdvertiserIDs: []int64{1700000000000001}})
	from := time.Date(2026, 11, 3, 10, 0, 0, 0, platforms.ChinaTime)
	pg, err := c.Fetch(context.Background(), from, from.Add(time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != PathClueGet || got.Header.Get("Access-Token") != "tok" || got.URL.Query().Get("advertiser_ids") != "[1700000000000001]" ||
		got.URL.Query().Get("start_time") != "2026-11-03 10:00:00" {
		t.Errorf("request = %s %v", got.URL, got.Header)
	}
	if len(pg.Leads) != 1 || pg.Total != 1 || pg.Pages != 1 {
		t.Fatalf("page = %+v", pg)
	}
	l := pg.Leads[0]
	if l.ID != "7301234567890123456" || !l.CreatedAt.Equal(time.Date(2026, 11, 3, 2, 15, 0, 0, time.UTC)) || len(l.Problems) != 0 {
		t.Errorf("lead = %+v", l)
	}
	in := l.Input
	if in.Name != "张三" || in.Phone != "13800138000" || in.Campaign != "双11-表单-华东" || in.Region != "上海 上海市" || in.Note != "想了解企业版价格" {
		t.Errorf("input = %+v", in)
	}
	if in.Attributes["promotion_id"] != "7300000000000000001" || in.Attributes["convert_status"] != nil {
		t.Errorf("attributes = %v (the 数据获取中 placeholder must not be stored)", in.Attributes)
	}
}

// TestReportRetriesThrough503 sends a won state through the fake that fails twice first.
func TestReportRetriesThrough503(t *testing.T) {
	t.Parallel()
	f := platformstest.NewOceanEngine("tok", 1700000000000001)
	defer f.Close()
	f.Add(platformstest.OceanClue{ClueID: "7301", CreateTimeDetail: "2026-11-03 10:00:00"})
	f.FailNext(2)
	c := New(Config{BaseURL: f.URL, Tokens: platforms.StaticToken(platforms.Token("tok", "")), AdvertiserIDs: []int64{1700000000000001},
		Caller: platforms.NewCaller(0, time.Millisecond)})
	refused, err := c.Report(context.Background(), []crm.WriteBack{
		{EventID: 1, ExternalID: "7301", State: crm.WriteBackWon, Code: "196", Value: 1200000},
		{EventID: 2, ExternalID: "9999", State: crm.WriteBackWon, Code: "196"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || refused[0].EventID != 2 || !strings.Contains(refused[0].Message, "线索不存在") {
		t.Errorf("refused = %+v, want the unknown clue", refused)
	}
	cbs := f.Callbacks()
	if len(cbs) != 1 || cbs[0].ClueConvertState != 196 || cbs[0].EventData.DealSubAmount != 12000 {
		t.Errorf("callbacks = %+v", cbs)
	}
}
