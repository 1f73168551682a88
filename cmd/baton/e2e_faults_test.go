package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/storage/storagetest"
)

// The fault tests inject one outage each into a running Baton and check what the product promises about it:
// what is acknowledged is stored, what is stored reaches Lark once, and nothing reaches Lark twice.

// faultClient is the lead sender's HTTP client: a real web form gives up after a while instead of waiting
// on a stuck server forever.
var faultClient = &http.Client{Timeout: 10 * time.Second}

// faultLead is a distinct lead for sender i.
func faultLead(i int) map[string]any {
	return map[string]any{"external_id": fmt.Sprintf("fault-%d", i), "name": fmt.Sprintf("客户%04d", i),
		"phone": fmt.Sprintf("139%08d", i), "company": "故障测试", "campaign": "fault"}
}

// sendLead posts one lead and reports the status and id without failing the test, for concurrent senders
// and for outages where an error answer is the expected one.
func sendLead(base string, lead map[string]any) (status int, id int64, err error) {
	raw, _ := json.Marshal(lead)
	req, _ := http.NewRequest("POST", base+"/api/v1/leads", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+webToken)
	resp, err := faultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body struct {
		ID int64 `json:"id"`
	}
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &body); err != nil || body.ID == 0 {
			return resp.StatusCode, 0, fmt.Errorf("lead acknowledged without an id: %s", data)
		}
	}
	return resp.StatusCode, body.ID, nil
}

// leadRef finds the lead a card acts on: every button carries {"lead":"<id>"} in its callback value.
var leadRef = regexp.MustCompile(`\\?"lead\\?":\\?"(\d+)\\?"`)

// poolCardsPerLead counts the bot's messages in chatID that offer each lead: its own card or a pool board.
func poolCardsPerLead(emu *larktest.Server, chatID string) map[int64]int {
	out := map[int64]int{}
	for _, m := range emu.Messages(chatID) {
		if m.MsgType != "interactive" || m.Sender != "app" {
			continue
		}
		// A single card names its lead; a board names each lead it lists (rows claimed since name none).
		seen := map[int64]bool{}
		for _, sub := range leadRef.FindAllStringSubmatch(m.Content, -1) {
			id, _ := strconv.ParseInt(sub[1], 10, 64)
			if !seen[id] {
				seen[id] = true
				out[id]++
			}
		}
	}
	return out
}

// waitLong polls cond for up to d; for phases that the rate limits make longer than wait's 15 s.
func waitLong(t testing.TB, d time.Duration, what string, logs func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s\nlogs:\n%s", d, what, tail(logs(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitIdle waits until Baton has made no Lark call for quiet (at most a minute): work still queued behind the
// rate limiter, or retries that settle cannot see, would show up as calls.
func (b *baton) waitIdle(quiet time.Duration) {
	b.t.Helper()
	last, since := len(b.emu.Calls()), time.Now()
	waitLong(b.t, time.Minute, "Baton to stop calling Lark", b.logs.String, func() bool {
		if n := len(b.emu.Calls()); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quiet
	})
}

// checkOneCardEach fails the test unless every id has exactly one card in the pool chat.
func checkOneCardEach(t *testing.T, emu *larktest.Server, chatID string, ids []int64) {
	t.Helper()
	cards := poolCardsPerLead(emu, chatID)
	bad := 0
	for _, id := range ids {
		if n := cards[id]; n != 1 {
			if bad < 10 {
				t.Errorf("lead %d has %d pool cards, want 1", id, n)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d leads do not have exactly one pool card", bad, len(ids))
	}
}

// inspector opens an asynq inspector on the Redis the server uses.
func (b *baton) inspector() (*asynq.Inspector, func()) {
	b.t.Helper()
	opt, err := redis.ParseURL(b.env["BATON_REDIS_URL"])
	if err != nil {
		b.t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	return asynq.NewInspectorFromRedisClient(rdb), func() { rdb.Close() }
}

// activeTasks returns the ids of the tasks Redis holds as running. A task that finished while Redis was
// unreachable stays listed until asynq's lease recovery requeues it (30 s and more later: asynq v0.26 cannot
// acknowledge it once Redis is back), so after an outage settle would wait on it in vain.
func (b *baton) activeTasks() map[string]bool {
	b.t.Helper()
	insp, done := b.inspector()
	defer done()
	out := map[string]bool{}
	for _, q := range []string{jobs.QueueCritical, jobs.QueueDefault, jobs.QueueLow} {
		tasks, _ := insp.ListActiveTasks(q)
		for _, ti := range tasks {
			out[ti.ID] = true
		}
	}
	return out
}

// sweepIgnoring runs one sweep as sweep does and waits until every task except the stale ones has finished.
func (b *baton) sweepIgnoring(stale map[string]bool) {
	b.t.Helper()
	insp, done := b.inspector()
	defer done()
	opt, _ := redis.ParseURL(b.env["BATON_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if _, err := asynq.NewClientFromRedisClient(rdb).EnqueueContext(context.Background(),
		asynq.NewTask(jobs.TypeSweep, nil, asynq.Queue(jobs.QueueLow))); err != nil {
		b.t.Fatalf("enqueue sweep: %v", err)
	}
	quiet := 0
	b.wait("the queues to drain", func() bool {
		busy := 0
		for _, q := range []string{jobs.QueueCritical, jobs.QueueDefault, jobs.QueueLow} {
			pending, _ := insp.ListPendingTasks(q)
			busy += len(pending)
			active, _ := insp.ListActiveTasks(q)
			for _, ti := range active {
				if !stale[ti.ID] {
					busy++
				}
			}
		}
		if busy == 0 {
			quiet++
		} else {
			quiet = 0
		}
		return quiet >= 5
	})
}

// readiness returns /readyz's status and its "status" field.
func (b *baton) readiness() (int, string) {
	b.t.Helper()
	code, body := b.get("/readyz", "")
	s, _ := body["status"].(string)
	return code, s
}

// TestFaultRedisDown: with Redis refusing connections, intake keeps answering 201 and storing leads, a card
// click still claims, /readyz says degraded; once Redis is back, the sweep delivers every card and the
// notification kept in the database outbox, each once.
func TestFaultRedisDown(t *testing.T) { redisOutage(t, (*faultProxy).Cut) }

// TestFaultRedisStalled is TestFaultRedisDown with Redis silent instead of refusing (a partition, a hung
// server): every Redis call now costs its full timeout, and intake and clicks must still answer in time
// (a card click within Lark's 3 s callback deadline).
func TestFaultRedisStalled(t *testing.T) { redisOutage(t, (*faultProxy).Stall) }

func redisOutage(t *testing.T, outage func(*faultProxy)) {
	redisURL, rp := proxyURL(t, e2eRedis(t))
	b := startBaton(t, e2eOptions{env: map[string]string{"BATON_REDIS_URL": redisURL}})
	first := b.postLead(faultLead(0))
	pool := b.waitCards(salesChat, 1)[0]

	outage(rp)
	t.Cleanup(rp.Restore) // runs before the server's stop: shutting down is not what this test is about
	if code, s := b.readiness(); code != http.StatusOK || s != "degraded" {
		t.Errorf("/readyz with Redis down: %d %q, want 200 degraded", code, s)
	}
	var ids []int64
	for i := 1; i <= 5; i++ {
		status, id, err := sendLead(b.base, faultLead(i))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("intake with Redis down: status %d, err %v\nlogs:\n%s", status, err, tail(b.logs.String(), 3000))
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if d := b.lead(id); d["id"] == nil {
			t.Fatalf("lead %d acknowledged with Redis down is not stored: %v", id, d)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	r, err := b.emu.Click(ctx, pool.ID, "claim", repID(1))
	cancel()
	if err != nil || r.Status != http.StatusOK || r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim with Redis down: %v, HTTP %d, toast %q\nlogs:\n%s", err, r.Status, toastText(r), tail(b.logs.String(), 3000))
	}
	// The customer comes back while the lead is owned: its owner must hear of it, through the outbox.
	back := faultLead(0)
	back["external_id"] = "fault-0-again"
	if status, id, err := sendLead(b.base, back); err != nil || status != http.StatusCreated || id != first {
		t.Fatalf("returning customer with Redis down: status %d, id %d (want %d), err %v", status, id, first, err)
	}
	if n := len(b.cardsIn(salesChat)); n != 1 {
		t.Fatalf("%d cards in the pool chat while Redis is down; no wake-up can run, want 1", n)
	}

	rp.Restore()
	b.wait("/readyz to recover", func() bool { _, s := b.readiness(); return s == "ready" })
	b.clock.Advance(31 * time.Second) // past the sweep's grace for fresh changes
	stale := b.activeTasks()
	b.sweepIgnoring(stale)
	b.wait("every lead offered in the chat after Redis returns", func() bool {
		offered := poolCardsPerLead(b.emu, salesChat)
		for _, id := range ids {
			if offered[id] == 0 {
				return false
			}
		}
		return true
	})
	b.wait("the owner's card and the returning-customer notice", func() bool { return len(b.dmCards(repID(1))) >= 2 })
	b.sweepIgnoring(stale)
	b.waitIdle(time.Second)
	checkOneCardEach(t, b.emu, salesChat, ids)
	// The five waiting leads may go out as one pool board: never more messages than leads.
	if n := len(b.cardsIn(salesChat)); n > 1+len(ids) {
		t.Errorf("%d cards in the pool chat, want at most %d", n, 1+len(ids))
	}
	if n := len(b.dmCards(repID(1))); n != 2 {
		t.Errorf("owner got %d DM cards, want 2 (owner card, returning customer)", n)
	}
	if !strings.Contains(b.message(pool.ID).Content, repID(1)) {
		t.Errorf("the pool card does not show the claim made while Redis was down")
	}
}

// TestFaultPostgresDown: with PostgreSQL unreachable intake answers 503, never 201; leads acknowledged
// before and during the outage all exist afterwards and each gets exactly one pool card, although their
// first deliveries failed and the workers retried against a missing database.
func TestFaultPostgresDown(t *testing.T) {
	dbURL, pp := proxyURL(t, storagetest.EmptyPostgres(t))
	b := startBaton(t, e2eOptions{env: map[string]string{"BATON_DATABASE_URL": dbURL}})
	// Lark refuses cards for now, so the first leads stay unsynced with their tasks retrying into the outage.
	b.emu.FailNext(larktest.RouteCreateMessage, 1<<20, http.StatusInternalServerError, 0)
	var mu sync.Mutex
	var acked []int64
	for i := range 5 {
		acked = append(acked, b.postLead(faultLead(i)))
	}

	// Senders keep posting while the database goes away under them.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var unexpected []string
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, id, err := sendLead(b.base, faultLead(1000+w*1000+i))
				mu.Lock()
				switch {
				case err != nil:
					unexpected = append(unexpected, err.Error())
				case status == http.StatusCreated:
					acked = append(acked, id)
				case status != http.StatusServiceUnavailable:
					unexpected = append(unexpected, fmt.Sprintf("HTTP %d", status))
				}
				mu.Unlock()
				time.Sleep(100 * time.Millisecond) // a steady trickle: every acknowledged lead is a card to pace
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	pp.Cut()
	time.Sleep(time.Second)
	if code, s := b.readiness(); code != http.StatusServiceUnavailable || s != "unavailable" {
		t.Errorf("/readyz with PostgreSQL down: %d %q, want 503 unavailable", code, s)
	}
	status, _, err := sendLead(b.base, faultLead(99))
	close(stop)
	wg.Wait()
	if err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("intake with PostgreSQL down: status %d, err %v; want 503", status, err)
	}
	for _, u := range unexpected {
		t.Errorf("intake during the outage answered %s; want 201 or 503", u)
	}
	b.emu.FailNext(larktest.RouteCreateMessage, 0, 0, 0) // Lark is fine again; only the database is missing
	time.Sleep(500 * time.Millisecond)

	pp.Restore()
	b.wait("intake to accept leads again", func() bool {
		status, id, err := sendLead(b.base, faultLead(98))
		if err == nil && (status == http.StatusCreated || status == http.StatusOK) {
			acked = append(acked, id)
			return true
		}
		return false
	})
	for _, id := range acked {
		if code, d := b.get("/api/v1/leads/"+itoa(id), adminToken); code != http.StatusOK {
			t.Fatalf("acknowledged lead %d is missing after the outage: %d %v", id, code, d)
		}
	}
	b.clock.Advance(31 * time.Second)
	b.sweep()
	waitLong(t, 60*time.Second, fmt.Sprintf("%d pool cards", len(acked)), b.logs.String, func() bool {
		return len(poolCardsPerLead(b.emu, salesChat)) >= len(acked)
	})
	b.settle()
	b.waitIdle(time.Second)
	checkOneCardEach(t, b.emu, salesChat, acked)
	t.Logf("%d leads acknowledged around the outage", len(acked))
}
