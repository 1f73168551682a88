package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/platforms/platformstest"
)

const (
	feiyuAppID   = 1700000000000100
	feiyuSecret  = "feiyu-app-secret"
	feiyuRefresh = "feiyu-refresh-0"
	gdtClientID  = 1110000001
	gdtSecret    = "gdt-client-secret"
	gdtRefresh   = "gdt-refresh-0"
)

// startTokenRig is the pull rig with OAuth credentials in the environment: Baton refreshes the access
// tokens itself.
func startTokenRig(t *testing.T, at time.Time) *pullRig {
	t.Helper()
	feiyu := platformstest.NewOceanEngine(feiyuToken, feiyuAdvertiser)
	t.Cleanup(feiyu.Close)
	feiyu.Tokens.EnableRefresh(feiyuAppID, feiyuSecret, feiyuRefresh)
	gdt := platformstest.NewTencentAds(gdtToken, gdtAccount)
	t.Cleanup(gdt.Close)
	gdt.Tokens.EnableRefresh(gdtClientID, gdtSecret, gdtRefresh)
	clk := &clock{}
	clk.set(at)
	b := startBaton(t, e2eOptions{config: pullConfig(feiyu.URL, gdt.URL), clock: clk, env: map[string]string{
		"BATON_FEIYU_TOKEN": feiyuToken, "BATON_FEIYU_ADVERTISER_IDS": fmt.Sprint(feiyuAdvertiser),
		"BATON_FEIYU_REFRESH_TOKEN": feiyuRefresh, "BATON_FEIYU_APP_ID": fmt.Sprint(feiyuAppID), "BATON_FEIYU_APP_SECRET": feiyuSecret,
		"BATON_GDT_TOKEN": gdtToken, "BATON_GDT_ACCOUNT_ID": fmt.Sprint(gdtAccount),
		"BATON_GDT_REFRESH_TOKEN": gdtRefresh, "BATON_GDT_APP_ID": fmt.Sprint(gdtClientID), "BATON_GDT_APP_SECRET": gdtSecret,
	}})
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &pullRig{baton: b, feiyu: feiyu, gdt: gdt, db: db}
}

func feiyuClue(id string, at time.Time, name, phone string) platformstest.OceanClue {
	return platformstest.OceanClue{ClueID: id, AdvertiserID: fmt.Sprint(feiyuAdvertiser), CreateTimeDetail: platformstest.OceanTime(at),
		Name: name, Telephone: phone}
}

// TestPullContinuesAcrossTokenExpiryAndRestart: the platform refuses the expired access token, Baton
// refreshes it and repeats the call once, so the pull goes on; after a restart Baton uses the refreshed
// pair from the database (the environment's pair is void by then); and it refreshes ahead of the expiry the
// refresh answer stated, before the platform refuses anything. The stored tokens are encrypted.
func TestPullContinuesAcrossTokenExpiryAndRestart(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startTokenRig(t, t0)
	r.feiyu.Add(feiyuClue("7310000000000000001", t0.Add(-5*time.Minute), "张三", "13800138101"))
	r.pull("feiyu")
	if n := len(r.leadsOf("feiyu")); n != 1 {
		t.Fatalf("%d leads after the first pull, want 1", n)
	}
	if n := r.feiyu.Tokens.Refreshes(); n != 0 {
		t.Fatalf("%d refreshes while the token was good", n)
	}

	// The access token expires on the platform's side: the list call is refused, refreshed, repeated.
	r.feiyu.Tokens.Expire()
	r.feiyu.Add(feiyuClue("7310000000000000002", t0.Add(2*time.Minute), "李四", "13800138102"))
	r.clock.set(t0.Add(5 * time.Minute))
	r.pull("feiyu")
	if n := len(r.leadsOf("feiyu")); n != 2 {
		t.Fatalf("%d leads after the token expired, want 2: the pull did not go on", n)
	}
	if n := r.feiyu.Tokens.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes after the expiry, want 1", n)
	}
	refreshed := r.feiyu.Tokens.Access()

	var accessEnc, refreshEnc []byte
	if err := r.db.QueryRow(`SELECT access_enc, refresh_enc FROM platform_tokens WHERE source = 'feiyu'`).Scan(&accessEnc, &refreshEnc); err != nil {
		t.Fatalf("the refreshed pair is not stored: %v", err)
	}
	if bytes.Contains(accessEnc, []byte(refreshed)) || bytes.Contains(refreshEnc, []byte("refresh")) {
		t.Error("the stored tokens are in plain text")
	}

	// A restart: the environment still names the first pair, which the platform voided on refresh.
	refused := r.feiyu.Tokens.Refused()
	r.stop()
	r.start()
	r.feiyu.Add(feiyuClue("7310000000000000003", t0.Add(7*time.Minute), "王五", "13800138103"))
	r.clock.set(t0.Add(10 * time.Minute))
	r.pull("feiyu")
	if n := len(r.leadsOf("feiyu")); n != 3 {
		t.Fatalf("%d leads after the restart, want 3", n)
	}
	if n := r.feiyu.Tokens.Refreshes(); n != 1 {
		t.Errorf("%d refreshes after the restart, want still 1", n)
	}
	if n := r.feiyu.Tokens.Refused() - refused; n != 0 {
		t.Errorf("%d calls refused after the restart: the stored pair was not used", n)
	}

	// The refresh answer said 86,400 s from t0+5m; 5 minutes before that Baton refreshes first.
	r.feiyu.Add(feiyuClue("7310000000000000004", t0.Add(24*time.Hour-time.Minute), "赵六", "13800138104"))
	r.clock.set(t0.Add(24 * time.Hour))
	r.pull("feiyu")
	if n := r.feiyu.Tokens.Refreshes(); n != 2 {
		t.Errorf("%d refreshes near the stated expiry, want 2", n)
	}
	if n := r.feiyu.Tokens.Refused() - refused; n != 0 {
		t.Errorf("%d calls refused: the token was not refreshed ahead of its expiry", n)
	}
	if n := len(r.leadsOf("feiyu")); n != 4 {
		t.Errorf("%d leads after the early refresh, want 4", n)
	}
	if got := r.logs.String(); strings.Contains(got, refreshed) || strings.Contains(got, feiyuRefresh) || strings.Contains(got, feiyuSecret) {
		t.Error("a token or the app secret is in the logs")
	}
}

// TestTokenRefreshFailureShowsInReadyz: 腾讯广告 refuses the refresh (its refresh token expired); the pull
// fails visibly, /readyz reports degraded naming the source and the platform's code, a log line names the
// source; once the platform takes the refresh again, the next tick pulls and /readyz recovers.
func TestTokenRefreshFailureShowsInReadyz(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 10, 30, 0, 0, gmt8)
	r := startTokenRig(t, t0)
	r.gdt.Add(platformstest.TencentLead{AccountID: gdtAccount, LeadsID: 8800001, LeadsName: "周七", LeadsTelephone: "13800138201",
		LeadsCreateTime: platformstest.TencentTime(t0.Add(-5 * time.Minute))})
	r.gdt.Tokens.Expire()
	r.gdt.Tokens.Break(11012, "Refresh token is expired.")
	r.pull("gdt")
	if n := len(r.leadsOf("gdt")); n != 0 {
		t.Fatalf("%d leads pulled with an expired token", n)
	}
	code, body := r.get("/readyz", "")
	checks, _ := body["checks"].(map[string]any)
	got, _ := checks["platform_tokens"].(string)
	if code != 200 || body["status"] != "degraded" || !strings.Contains(got, "source gdt") || !strings.Contains(got, "11012") {
		t.Fatalf("/readyz after a failed refresh: %d %v", code, body)
	}
	if strings.Contains(got, gdtRefresh) || strings.Contains(got, gdtSecret) {
		t.Errorf("/readyz shows a secret: %q", got)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, `"msg":"platform token refresh failed"`) || !strings.Contains(logs, `"source":"gdt"`) {
		t.Errorf("no log line names the failed refresh of gdt")
	}
	if strings.Contains(logs, gdtRefresh) || strings.Contains(logs, gdtSecret) {
		t.Error("a token or the app secret is in the logs")
	}

	r.gdt.Tokens.Break(0, "")
	r.clock.set(t0.Add(time.Minute))
	r.pull("gdt")
	if n := len(r.leadsOf("gdt")); n != 1 {
		t.Fatalf("%d leads once the refresh works again, want 1", n)
	}
	code, body = r.get("/readyz", "")
	if checks, _ := body["checks"].(map[string]any); checks["platform_tokens"] != "ok" {
		t.Errorf("/readyz after the refresh healed: %d %v", code, body)
	}
}
