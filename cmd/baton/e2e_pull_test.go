package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/platforms/platformstest"
)

const (
	feiyuToken      = "feiyu-access-token"
	feiyuAdvertiser = 1700000000000001
	gdtToken        = "gdt-access-token"
	gdtAccount      = 25610
)

// pullConfig is the e2e configuration plus two pull sources pointed at the fakes. The pull period is long
// so only the test's own ticks pull; retries back off in milliseconds so a 5xx costs the test no time.
// 飞鱼 publishes no "invalid" callback state, so this configuration names one (see the README).
func pullConfig(feiyuURL, gdtURL string) string {
	return strings.Replace(defaultE2EConfig, "pools:\n", `  - key: feiyu
    kind: oceanengine
    credentials_env: BATON_FEIYU
    base_url: "`+feiyuURL+`"
    pull_every: 1h
    overlap: 10m
    first_window: 1h
    retry_backoff: 10ms
    write_back: true
    states: {invalid: "197"}
  - key: gdt
    kind: tencent_ads
    credentials_env: BATON_GDT
    base_url: "`+gdtURL+`"
    pull_every: 1h
    retry_backoff: 10ms
    write_back: true
pools:
`, 1)
}

type pullRig struct {
	*baton
	feiyu *platformstest.OceanEngine
	gdt   *platformstest.TencentAds
	db    *sql.DB
}

func startPullRig(t *testing.T, at time.Time) *pullRig {
	t.Helper()
	feiyu := platformstest.NewOceanEngine(feiyuToken, feiyuAdvertiser)
	t.Cleanup(feiyu.Close)
	gdt := platformstest.NewTencentAds(gdtToken, gdtAccount)
	t.Cleanup(gdt.Close)
	clk := &clock{}
	clk.set(at)
	b := startBaton(t, e2eOptions{config: pullConfig(feiyu.URL, gdt.URL), clock: clk, env: map[string]string{
		"BATON_FEIYU_TOKEN": feiyuToken, "BATON_FEIYU_ADVERTISER_IDS": fmt.Sprint(feiyuAdvertiser),
		"BATON_GDT_TOKEN": gdtToken, "BATON_GDT_ACCOUNT_ID": fmt.Sprint(gdtAccount),
	}})
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &pullRig{baton: b, feiyu: feiyu, gdt: gdt, db: db}
}

// pull runs one scheduled pull tick of source through the real queue and waits for it and the write-back
// it wakes.
func (r *pullRig) pull(source string) {
	r.t.Helper()
	payload, _ := json.Marshal(map[string]string{"source": source})
	r.enqueueRaw(jobs.TypeSourcePull, jobs.QueueLow, payload)
	r.settle()
}

// leadsOf returns the ids of source's leads by external id.
func (r *pullRig) leadsOf(source string) map[string]int64 {
	r.t.Helper()
	rows, err := r.db.Query(`SELECT external_id, id FROM leads WHERE source = $1`, source)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var ext string
		var id int64
		if err := rows.Scan(&ext, &id); err != nil {
			r.t.Fatal(err)
		}
		if _, dup := out[ext]; dup {
			r.t.Errorf("two leads of %s for external id %s", source, ext)
		}
		out[ext] = id
	}
	return out
}

var gmt8 = time.FixedZone("GMT+8", 8*3600)

// TestPullOverlappingWindowsNoDuplicate: the second pull's window reaches back over the first (catching a
// clue the platform stored late) and the clue both windows return stays one lead with one card.
func TestPullOverlappingWindowsNoDuplicate(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startPullRig(t, t0)
	r.feiyu.Add(
		platformstest.OceanClue{ClueID: "7301000000000000001", AdvertiserID: "1700000000000001", PromotionName: "双11-表单",
			CreateTimeDetail: platformstest.OceanTime(t0.Add(-15 * time.Minute)), Name: "张三", Telephone: "13800138001", ProvinceName: "上海", CityName: "上海市"},
		platformstest.OceanClue{ClueID: "7301000000000000002", AdvertiserID: "1700000000000001", PromotionName: "双11-表单",
			CreateTimeDetail: platformstest.OceanTime(t0.Add(-5 * time.Minute)), Name: "李四", Telephone: "13800138002"},
	)
	r.pull("feiyu")
	r.waitCards(salesChat, 2)
	if got := r.leadsOf("feiyu"); len(got) != 2 {
		t.Fatalf("after the first pull %d leads, want 2: %v", len(got), got)
	}

	// A clue created at 10:28 that the platform only lists after the first pull; the next pull at 10:35
	// covers 10:20–10:35, so it also returns the 10:25 clue again.
	r.feiyu.Add(platformstest.OceanClue{ClueID: "7301000000000000003", AdvertiserID: "1700000000000001",
		CreateTimeDetail: platformstest.OceanTime(t0.Add(-2 * time.Minute)), Name: "王五", Telephone: "13800138003"})
	r.clock.set(t0.Add(5 * time.Minute))
	r.pull("feiyu")
	r.waitCards(salesChat, 3)
	r.settle()

	leads := r.leadsOf("feiyu")
	if len(leads) != 3 {
		t.Fatalf("after the overlapping pull %d leads, want 3: %v", len(leads), leads)
	}
	if n := len(r.cardsIn(salesChat)); n != 3 {
		t.Errorf("%d pool cards, want 3 (one per clue)", n)
	}
	calls := r.feiyu.ListCalls()
	if len(calls) != 2 {
		t.Fatalf("%d list calls, want 2", len(calls))
	}
	if got, want := calls[1]["start_time"], platformstest.OceanTime(t0.Add(-10*time.Minute)); got != want {
		t.Errorf("second window starts %s, want %s (10 minutes before the first ended)", got, want)
	}
	if calls[1]["start_time"] >= calls[0]["end_time"] {
		t.Errorf("windows do not overlap: first ends %s, second starts %s", calls[0]["end_time"], calls[1]["start_time"])
	}
	detail := r.lead(leads["7301000000000000001"])
	if detail["pool"] != "east" {
		t.Errorf("pulled lead not routed like an API lead: %v", detail["pool"])
	}
}

// TestPullLateFieldsRepulledOnce: 飞鱼 fills intention and conversion status about ten minutes after a
// clue arrives; the clue is fetched once more when that is due, its lead gets the fields, and later
// changes on the platform are not pulled again.
func TestPullLateFieldsRepulledOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startPullRig(t, t0)
	const id = "7302000000000000001"
	r.feiyu.Add(platformstest.OceanClue{ClueID: id, AdvertiserID: "1700000000000001", CreateTimeDetail: platformstest.OceanTime(t0.Add(-time.Minute)),
		Name: "赵六", Telephone: "13800138011", ConvertStatus: "数据获取中"})
	r.pull("feiyu")
	leadID := r.leadsOf("feiyu")[id]
	if leadID == 0 {
		t.Fatal("clue not taken in")
	}
	attrs := func() map[string]any {
		var raw []byte
		if err := r.db.QueryRow(`SELECT coalesce(attributes, '{}') FROM leads WHERE id = $1`, leadID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		a := map[string]any{}
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := attrs(); a["intention_estimation"] != nil || a["convert_status"] != nil {
		t.Fatalf("late fields stored before the platform filled them: %v", a)
	}

	r.feiyu.Fill(id, "高意向", "合法转化")
	r.clock.set(t0.Add(10 * time.Minute)) // not due yet (15 minutes after the pull)
	r.pull("feiyu")
	if a := attrs(); a["intention_estimation"] != nil {
		t.Fatalf("re-pulled before it was due: %v", a)
	}
	r.clock.set(t0.Add(16 * time.Minute))
	r.pull("feiyu")
	if a := attrs(); a["intention_estimation"] != "高意向" || a["convert_status"] != "合法转化" {
		t.Fatalf("after the re-pull attributes = %v, want the late fields", a)
	}
	if n := r.events(leadID, "source_updated"); n != 1 {
		t.Errorf("%d source_updated events, want 1", n)
	}

	r.feiyu.Fill(id, "低意向", "不匹配转化")
	r.clock.set(t0.Add(40 * time.Minute))
	r.pull("feiyu")
	if a := attrs(); a["intention_estimation"] != "高意向" {
		t.Errorf("the clue was re-pulled a second time: %v", a)
	}
	byID := 0
	for _, c := range r.feiyu.ListCalls() {
		if c["clue_ids"] != "" {
			byID++
			if c["clue_ids"] != "["+id+"]" {
				t.Errorf("re-pull asked for %s", c["clue_ids"])
			}
		}
	}
	if byID != 1 {
		t.Errorf("%d re-pulls by id, want 1", byID)
	}
}

// claimAndDM claims the pool card showing name and returns the owner's DM card.
func (r *pullRig) claimAndDM(name, rep string) larktest.Message {
	r.t.Helper()
	var card larktest.Message
	r.wait("a pool card for "+name, func() bool {
		for _, c := range r.cardsIn(salesChat) {
			if strings.Contains(c.Content, name) || strings.Contains(c.Content, strings.Join(strings.Split(name, ""), " ")) {
				card = c
				return true
			}
		}
		return false
	})
	if res := r.click(card.ID, "claim", rep); res.Toast == nil || res.Toast.Type != "success" {
		r.t.Fatalf("claim %s by %s: %+v", name, rep, res.Toast)
	}
	dms := r.waitDMs(rep, 1)
	return dms[len(dms)-1]
}

// TestWriteBackWonAndInvalidRetriedThrough5xx: a 飞鱼 lead marked won and a 腾讯广告 lead marked invalid are
// reported to their platforms in the platforms' own terms; the platforms' 503s are retried with backoff,
// and a longer outage leaves the states in the timeline outbox until a later run (after a restart)
// delivers them, each once.
func TestWriteBackWonAndInvalidRetriedThrough5xx(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startPullRig(t, t0)
	r.feiyu.Add(platformstest.OceanClue{ClueID: "7303000000000000001", AdvertiserID: "1700000000000001",
		CreateTimeDetail: platformstest.OceanTime(t0.Add(-time.Minute)), Name: "孙七", Telephone: "13800138021"})
	r.gdt.Add(platformstest.TencentLead{AccountID: gdtAccount, LeadsID: 987654321, AdgroupName: "双11-线索",
		LeadsName: "周八", LeadsTelephone: "13900139022", LeadsCreateTime: platformstest.TencentTime(t0.Add(-2 * time.Minute))})
	r.pull("feiyu")
	r.pull("gdt")
	r.waitCards(salesChat, 2)

	// Won on the 飞鱼 lead: the platform fails twice, the client retries through it.
	won := r.claimAndDM("孙七", repID(1))
	r.feiyu.FailNext(2)
	if res := r.closeLead(won.ID, repID(1), map[string]any{"outcome": "won", "amount": "12000"}); res.Toast == nil || res.Toast.Type != "success" {
		t.Fatalf("won: %+v", res.Toast)
	}
	r.pull("feiyu")
	cbs := r.feiyu.Callbacks()
	if len(cbs) != 1 {
		t.Fatalf("%d 飞鱼 callbacks, want 1: %+v", len(cbs), cbs)
	}
	if cb := cbs[0]; cb.ClueID != "7303000000000000001" || cb.ClueConvertState != 196 || cb.Source != 1 ||
		len(cb.AdvertiserIDs) != 1 || cb.AdvertiserIDs[0] != feiyuAdvertiser || cb.EventData == nil || cb.EventData.DealSubAmount != 12000 {
		t.Errorf("callback = %+v, want clue 7303… state 196 (回访-高潜成交) with the deal amount", cb)
	}

	// Invalid on the 腾讯广告 lead while the platform is down for longer than the client's retries.
	bad := r.claimAndDM("周八", repID(2))
	r.gdt.FailNext(100)
	if res := r.click(bad.ID, "feedback", repID(2), larktest.Option("invalid_number")); res.Toast == nil || res.Toast.Type != "success" {
		t.Fatalf("feedback: %+v", res.Toast)
	}
	r.pull("gdt")
	if n := len(r.gdt.Updates()); n != 0 {
		t.Fatalf("%d status updates accepted while the platform was down", n)
	}
	// Baton restarts; the platform recovers; the next run delivers from the timeline.
	r.stop()
	r.start()
	r.gdt.FailNext(1)
	r.pull("gdt")
	ups := r.gdt.Updates()
	if len(ups) != 1 || len(ups[0]) != 1 {
		t.Fatalf("status updates = %+v, want one call with one lead", ups)
	}
	if u := ups[0][0]; u.LeadsID != 987654321 || u.LeadsConvertType != "LEADS_CONVERT_STATUS_DEPRECATED" || u.LeadsIneffectReason != "LEADS_INEFFECT_REASON_EMPTY" {
		t.Errorf("status = %+v, want leads_id 987654321 deprecated (invalid) with reason empty number", u)
	}

	// Nothing is sent twice.
	r.pull("feiyu")
	r.pull("gdt")
	if n := len(r.feiyu.Callbacks()); n != 1 {
		t.Errorf("%d 飞鱼 callbacks after more runs, want 1", n)
	}
	if n := len(r.gdt.Updates()); n != 1 {
		t.Errorf("%d 腾讯广告 updates after more runs, want 1", n)
	}
}

// TestSourcesPullBackfill: `baton sources pull KEY --since` takes in a past span a day at a time with a
// progress line and totals; run again, it changes nothing.
func TestSourcesPullBackfill(t *testing.T) {
	t0 := time.Date(2026, 11, 5, 9, 0, 0, 0, gmt8)
	r := startPullRig(t, t0)
	for i := range 5 {
		r.gdt.Add(platformstest.TencentLead{AccountID: gdtAccount, LeadsID: int64(555000 + i), AdgroupName: "回填",
			LeadsName: fmt.Sprintf("回填%d", i), LeadsTelephone: fmt.Sprintf("1370013700%d", i),
			LeadsCreateTime: platformstest.TencentTime(time.Date(2026, 11, 1+i%3, 12, i, 0, 0, gmt8))})
	}
	// Outside the span: not taken in.
	r.gdt.Add(platformstest.TencentLead{AccountID: gdtAccount, LeadsID: 555999, LeadsName: "早", LeadsTelephone: "13700137999",
		LeadsCreateTime: platformstest.TencentTime(time.Date(2026, 10, 31, 23, 0, 0, 0, gmt8))})

	backfill := func() string {
		var out, errb syncBuffer
		code := run(context.Background(), []string{"sources", "pull", "gdt", "--since", "2026-11-01", "--until", "2026-11-04"}, r.getenv, &out, &errb, nil)
		if code != 0 {
			t.Fatalf("baton sources pull exited %d:\n%s\n%s", code, out.String(), errb.String())
		}
		return out.String()
	}
	out := backfill()
	for _, want := range []string{"progress [", "3/3 days", "totals: fetched 5, created 5, touches 0, existing 0, rejected 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := r.leadsOf("gdt"); len(got) != 5 {
		t.Fatalf("%d leads after the backfill, want 5: %v", len(got), got)
	}
	r.waitCards(salesChat, 5)
	if out := backfill(); !strings.Contains(out, "totals: fetched 5, created 0, touches 0, existing 5, rejected 0") {
		t.Errorf("second backfill output:\n%s", out)
	}
	if got := r.leadsOf("gdt"); len(got) != 5 {
		t.Errorf("%d leads after the second backfill, want 5", len(got))
	}
}

// TestPullSourcesTestPreviewsWithoutStoring: `baton sources test KEY` prints one page mapped, with problems,
// and stores nothing.
func TestPullSourcesTestPreviewsWithoutStoring(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startPullRig(t, t0)
	r.feiyu.Add(
		platformstest.OceanClue{ClueID: "7304000000000000001", AdvertiserID: "1700000000000001", PromotionName: "双11",
			CreateTimeDetail: "2026-11-03 09:00:00", Name: "钱九", Telephone: "13800138031"},
		platformstest.OceanClue{ClueID: "7304000000000000002", AdvertiserID: "1700000000000001",
			CreateTimeDetail: "2026-11-03 09:05:00", Name: "没电话"},
	)
	var out, errb syncBuffer
	code := run(context.Background(), []string{"sources", "test", "feiyu", "--since", "2026-11-03", "--until", "2026-11-04"}, r.getenv, &out, &errb, nil)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one lead has a problem)\n%s", code, errb.String())
	}
	for _, want := range []string{"2 leads in the window", "external_id=7304000000000000001", "phone=138****8031",
		`campaign="双11"`, "external_id=7304000000000000002", "problem: phone or email is required"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "13800138031") {
		t.Errorf("output shows the full phone number")
	}
	if got := r.leadsOf("feiyu"); len(got) != 0 {
		t.Errorf("test stored %d leads", len(got))
	}
}
