package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
)

// retryNow runs every task waiting in asynq's retry set at once, as if its backoff had elapsed, and waits
// until the queues are quiet. It returns how many tasks were waiting to be retried.
func (b *baton) retryNow() int {
	b.t.Helper()
	opt, _ := redis.ParseURL(b.env["BATON_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	n := 0
	for _, q := range []string{jobs.QueueCritical, jobs.QueueDefault, jobs.QueueLow} {
		if k, err := insp.RunAllRetryTasks(q); err == nil {
			n += k
		}
	}
	b.settle()
	return n
}

// metrics returns the /metrics exposition text.
func (b *baton) metrics() string {
	b.t.Helper()
	resp, err := http.Get(b.base + "/metrics")
	if err != nil {
		b.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// claimedWithTouchPending posts a lead, lets rep 1 claim it and returns its id once the owner's card is in.
func claimedLead(t *testing.T, b *baton, phone string) int64 {
	t.Helper()
	id := b.postLead(map[string]any{"external_id": "dl-" + phone, "name": "王五", "phone": phone})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	b.waitDMs(repID(1), 1)
	b.settle()
	return id
}

// returningCustomer posts the same customer again through another source id: a touch DM'd to the owner.
func returningCustomer(t *testing.T, b *baton, phone string) {
	t.Helper()
	status, body := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken},
		map[string]any{"external_id": "dl-again-" + phone, "name": "王五", "phone": phone, "campaign": "回访"})
	if status != http.StatusCreated || body["status"] != "touch" {
		t.Fatalf("returning customer: %d %v", status, body)
	}
}

// TestDeliveryMissingScopeIsRetried: Lark refuses DMs with 99991672 (the app lacks a scope). The touch DM is
// not dropped: the task retries, and after three failed attempts /readyz says degraded naming the DM and the
// code, /metrics counts it by code; once an admin grants the scope, the retry delivers the DM and the pool's
// manager is told once (their DMs were refused too until then).
func TestDeliveryMissingScopeIsRetried(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	claimedLead(t, b, "13700137000")

	b.emu.FailNext(larktest.RouteCreateMessage, 1<<30, http.StatusBadRequest, 99991672)
	returningCustomer(t, b, "13700137000")
	b.settle()
	for i := 0; i < 3; i++ {
		if n := b.retryNow(); n == 0 {
			t.Fatalf("attempt %d: no task waits to retry the refused DM: the notification was dropped", i+2)
		}
	}
	code, body := b.get("/readyz", "")
	checks, _ := body["checks"].(map[string]any)
	got, _ := checks["lark_delivery"].(string)
	if code != http.StatusOK || body["status"] != "degraded" || !strings.Contains(got, "dm:"+repID(1)) ||
		!strings.Contains(got, "99991672") {
		t.Fatalf("/readyz while the DM keeps failing: %d %v", code, body)
	}
	if strings.Contains(got, "王五") || strings.Contains(got, "13700137000") {
		t.Errorf("/readyz shows personal data: %q", got)
	}
	if m := b.metrics(); !strings.Contains(m, `baton_lark_notifications_failing{code="99991672"} 1`) {
		t.Errorf("/metrics has no failing notification for 99991672:\n%s", grepLines(m, "baton_lark"))
	}

	b.emu.FailNext(larktest.RouteCreateMessage, 0, 0, 0) // the admin granted the scope
	b.retryNow()
	dms := b.waitDMs(repID(1), 2)
	if !strings.Contains(dms[len(dms)-1].Content, "回访") {
		t.Errorf("the retried DM is not the touch: %s", dms[len(dms)-1].Content)
	}
	b.wait("/readyz to recover", func() bool { _, s := b.readiness(); return s == "ready" })
	alerts := 0
	for _, m := range b.emu.DMs(managerID) {
		if strings.Contains(m.Content, "99991672") {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("manager got %d alerts about the failing DM, want 1", alerts)
	}
	b.retryNow()
	if n := len(b.dmCards(repID(1))); n != 2 {
		t.Errorf("owner has %d DMs after recovery, want 2 (the card and one touch)", n)
	}
}

// TestDeliveryUserLeftIsPermanent: 230013 (the user left the company, or is outside the bot's availability)
// is on the short list of final answers: the touch DM is tried once, not retried, and nothing is degraded.
func TestDeliveryUserLeftIsPermanent(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := claimedLead(t, b, "13700137001")
	before := len(b.emu.Calls())
	b.emu.FailNext(larktest.RouteCreateMessage, 1<<30, http.StatusBadRequest, 230013)
	returningCustomer(t, b, "13700137001")
	b.settle()
	if n := b.retryNow(); n != 0 {
		t.Errorf("%d tasks retry a DM Lark refused for good", n)
	}
	sends := 0
	for _, c := range b.emu.Calls()[before:] {
		if c.Route == larktest.RouteCreateMessage {
			sends++
		}
	}
	if sends != 1 {
		t.Errorf("%d sends for a DM to a user who left, want 1", sends)
	}
	if _, s := b.readiness(); s != "ready" {
		t.Errorf("/readyz = %q after a permanent refusal, want ready", s)
	}
	if n := b.events(id, "touch"); n != 1 {
		t.Errorf("lead %d has %d touch events, want 1", id, n)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(strings.Join(out, "\n"))
}
