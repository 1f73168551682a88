package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/jobs"

	"github.com/baton-crm/baton/platforms/platformstest"
)

// TestPullSplitsWindowBeyondPagingDepth: 腾讯广告's page paging reaches only so deep (page × page_size ≤
// 5,000; the fake and the source use 10 here to stay fast). A window holding 23 leads is split into
// shorter windows, so every lead is pulled, once, and no page past the depth is asked for.
func TestPullSplitsWindowBeyondPagingDepth(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	feiyu := platformstest.NewOceanEngine(feiyuToken, feiyuAdvertiser)
	t.Cleanup(feiyu.Close)
	gdt := platformstest.NewTencentAds(gdtToken, gdtAccount)
	gdt.DeepPaging = 10
	t.Cleanup(gdt.Close)
	cfg := strings.Replace(pullConfig(feiyu.URL, gdt.URL), `    base_url: "`+gdt.URL+`"`+"\n",
		`    base_url: "`+gdt.URL+`"`+"\n    page_size: 5\n    deep_paging: 10\n", 1)
	clk := &clock{}
	clk.set(t0)
	b := startBaton(t, e2eOptions{config: cfg, clock: clk, env: map[string]string{
		"BATON_FEIYU_TOKEN": feiyuToken, "BATON_FEIYU_ADVERTISER_IDS": fmt.Sprint(feiyuAdvertiser),
		"BATON_GDT_TOKEN": gdtToken, "BATON_GDT_ACCOUNT_ID": fmt.Sprint(gdtAccount),
	}})
	r := &pullRig{baton: b, feiyu: feiyu, gdt: gdt, db: openPG(t, b)}
	const n = 23
	for i := range n {
		r.gdt.Add(platformstest.TencentLead{AccountID: gdtAccount, LeadsID: int64(8900000 + i), LeadsName: fmt.Sprintf("客户%02d", i),
			LeadsTelephone: fmt.Sprintf("139%08d", 10000000+i), LeadsCreateTime: platformstest.TencentTime(t0.Add(-50*time.Minute + time.Duration(i)*time.Minute))})
	}
	// The leads' cards take a while to post at Lark's pace: wait for the leads, not the queues.
	r.enqueueRaw(jobs.TypeSourcePull, jobs.QueueLow, []byte(`{"source":"gdt"}`))
	r.wait(fmt.Sprintf("%d leads of gdt", n), func() bool { return len(r.leadsOf("gdt")) >= n })
	leads := r.leadsOf("gdt")
	if len(leads) != n {
		t.Fatalf("%d leads pulled from a window of %d, want all", len(leads), n)
	}
	for i := range n {
		if leads[fmt.Sprint(8900000+i)] == 0 {
			t.Errorf("lead %d missed", 8900000+i)
		}
	}
	if strings.Contains(r.logs.String(), "exceeds the paging limit") {
		t.Error("a page past the paging depth was asked for")
	}
}

// openPG opens Baton's database for the test's own queries.
func openPG(t *testing.T, b *baton) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
