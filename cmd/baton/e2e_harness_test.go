package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/internal/testenv"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/storage/storagetest"
)

// e2eRedisDB is the Redis database the end-to-end tests use, apart from other packages' tests that share the
// server. The tests in this package therefore do not run in parallel with each other.
const e2eRedisDB = 9

// eastPool is a baton.yaml with the web-form source and one pool, east (华东线索池), in the sales chat and
// managed by the manager, that every lead routes to; settings are the pool's other keys, one a line, in
// YAML flow style where they nest (sla: {unclaimed: [{after: 10m, do: escalate}]}).
func eastPool(settings ...string) string {
	var b strings.Builder
	b.WriteString("timezone: Asia/Shanghai\nsources:\n  - {key: web-form, token: \"" + webToken + "\"}\n" +
		"pools:\n  - key: east\n    name: 华东线索池\n    chat_id: %[1]s\n    managers: [%[2]s]\n")
	for _, s := range settings {
		b.WriteString("    " + s + "\n")
	}
	b.WriteString("routing:\n  - {pool: east}\n")
	return b.String()
}

// singleCardConfig turns pool boards off in a configuration built on defaultE2EConfig, for tests that post
// a few leads at once and work each from its own card (boards have their own tests).
func singleCardConfig(cfg string) string {
	return strings.Replace(cfg, "    mode: claim\n", "    mode: claim\n    board_after: 100\n", 1)
}

// clock is the injected clock: real time plus an offset tests can advance.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
	fixed  time.Time // when set, time stands still here (plus offset)
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// syncBuffer collects a server's log output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// baton is one running server in a test, with its emulated Lark tenant.
type baton struct {
	t      testing.TB
	emu    *larktest.Server
	base   string
	env    map[string]string
	clock  *clock
	logs   *syncBuffer
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// e2eOptions shape a test's tenant and configuration.
type e2eOptions struct {
	config string            // baton.yaml; %[1]s is the sales chat, %[2]s the manager
	env    map[string]string // extra environment
	clock  *clock
	reps   int
	setup  func(*larktest.Server) // prepares the tenant before Baton starts (a Base, say)
}

const (
	salesChat  = "oc_e2e_sales"
	opsChat    = "oc_e2e_ops"
	managerID  = "ou_e2e_manager"
	webToken   = "tok-web-form-0123456789"
	adsSecret  = "ads-hmac-secret"
	adminToken = "admin-token-0123456789abcdef"
)

func repID(i int) string { return fmt.Sprintf("ou_e2e_rep%02d", i) }

const defaultE2EConfig = `timezone: Asia/Shanghai
sources:
  - {key: web-form, token: "` + webToken + `"}
  - {key: ads, secret: "` + adsSecret + `"}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    mode: claim
    managers: [%[2]s]
    limits: {open: 20, daily_claims: 10}
    cooldown: 24h
    protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}
routing:
  - {pool: east}
ops_channels: [` + opsChat + `]
`

// startBaton runs `baton serve` in-process on PostgreSQL, Redis and a fresh emulator.
func startBaton(t testing.TB, o e2eOptions) *baton {
	t.Helper()
	if o.reps == 0 {
		o.reps = 3
	}
	if o.config == "" {
		o.config = defaultE2EConfig
	}
	if o.clock == nil {
		o.clock = &clock{}
	}
	dbURL := storagetest.EmptyPostgres(t)
	redisURL := e2eRedis(t)

	emu := larktest.New(larktest.Config{AppID: "cli_e2e_" + strings.ToLower(hex.EncodeToString([]byte(t.Name()))[:12]),
		AppSecret: "e2e-secret", VerificationToken: "e2e-verify", EncryptKey: "e2e-encrypt-key", TokenExpire: 2 * time.Hour})
	t.Cleanup(emu.Close)
	emu.SetNow(o.clock.Now) // events carry the injected clock's timestamps, as Baton checks them against it
	var members []string
	for i := 1; i <= o.reps; i++ {
		emu.AddUser(larktest.User{OpenID: repID(i), Name: fmt.Sprintf("销售%02d", i), EnName: fmt.Sprintf("Rep %02d", i)})
		members = append(members, repID(i))
	}
	emu.AddUser(larktest.User{OpenID: managerID, Name: "主管", EnName: "Manager"})
	emu.AddChat(larktest.Chat{ChatID: salesChat, Name: "销售群", Members: append(members, managerID)})
	emu.AddChat(larktest.Chat{ChatID: opsChat, Name: "运营", Members: []string{managerID}})

	if o.setup != nil {
		o.setup(emu)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(o.config, salesChat, managerID)), 0o600); err != nil {
		t.Fatal(err)
	}
	ec := emu.Config()
	env := map[string]string{
		"BATON_HTTP_ADDR": "127.0.0.1:0", "BATON_DATABASE_URL": dbURL, "BATON_REDIS_URL": redisURL,
		"BATON_DATA_KEY": strings.Repeat("ab", 32), "BATON_CONFIG": cfgPath, "BATON_DATA_DIR": dir,
		"BATON_API_TOKEN": adminToken, "BATON_LOG_FORMAT": "json", "BATON_LOG_LEVEL": "debug",
		"LARK_APP_ID": ec.AppID, "LARK_APP_SECRET": ec.AppSecret, "LARK_VERIFICATION_TOKEN": ec.VerificationToken,
		"LARK_ENCRYPT_KEY": ec.EncryptKey, "LARK_BASE_URL": emu.URL(),
	}
	for k, v := range o.env {
		env[k] = v
	}
	b := &baton{t: t, emu: emu, env: env, clock: o.clock, logs: &syncBuffer{}, stdout: &syncBuffer{}, done: make(chan int, 1)}
	b.start()
	return b
}

func (b *baton) start() {
	t := b.t
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	hooks := &Hooks{Now: b.clock.Now, Ready: func(addr string) { ready <- addr }}
	go func() {
		b.done <- run(ctx, []string{"serve"}, b.getenv, b.stdout, b.logs, hooks)
	}()
	select {
	case addr := <-ready:
		b.base = "http://" + addr
	case code := <-b.done:
		cancel()
		t.Fatalf("baton serve exited with %d:\n%s", code, b.logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("baton serve did not start:\n%s", b.logs.String())
	}
	b.cancel = cancel
	b.emu.SetWebhook(b.base + "/lark/events")
	t.Cleanup(b.stop)
}

func (b *baton) getenv(k string) string { return b.env[k] }

// stop shuts the server down gracefully and fails the test when it does not exit cleanly.
func (b *baton) stop() {
	if b.cancel == nil {
		return
	}
	b.cancel()
	b.cancel = nil
	select {
	case code := <-b.done:
		if code != 0 {
			b.t.Errorf("baton serve exited with %d", code)
		}
	case <-time.After(30 * time.Second):
		b.t.Errorf("baton serve did not shut down within 30 s")
	}
}

// e2eRedis returns the test Redis URL pointed at e2eRedisDB, flushed.
func e2eRedis(t testing.TB) string {
	raw := testenv.RedisURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", testenv.RedisURLVar, err)
	}
	u.Path = fmt.Sprintf("/%d", e2eRedisDB)
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush redis: %v", err)
	}
	return u.String()
}

// post sends a JSON body to the API and decodes the JSON answer.
func (b *baton) post(path string, hdr map[string]string, body any) (int, map[string]any) {
	b.t.Helper()
	var raw []byte
	switch v := body.(type) {
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		raw, _ = json.Marshal(v)
	}
	req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

func (b *baton) get(path, token string) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.do(req)
}

func (b *baton) do(req *http.Request) (int, map[string]any) {
	b.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 && json.Unmarshal(data, &out) != nil {
		out = map[string]any{"raw": string(data)}
	}
	return resp.StatusCode, out
}

// postLead pushes one lead as the web form does and returns its id.
func (b *baton) postLead(lead map[string]any) int64 {
	b.t.Helper()
	status, body := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken}, lead)
	if status != http.StatusCreated && status != http.StatusOK {
		b.t.Fatalf("post lead: %d %v", status, body)
	}
	return int64(body["id"].(float64))
}

// wait polls cond until it holds or 15 s pass.
func (b *baton) wait(what string, cond func() bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			b.t.Fatalf("timed out waiting for %s\nlogs:\n%s", what, tail(b.logs.String(), 4000))
		case <-tick.C:
		}
	}
}

// cardsIn returns the interactive messages in a chat.
func (b *baton) cardsIn(chatID string) []larktest.Message {
	var out []larktest.Message
	for _, m := range b.emu.Messages(chatID) {
		if m.MsgType == "interactive" && m.Sender == "app" {
			out = append(out, m)
		}
	}
	return out
}

func (b *baton) dmCards(openID string) []larktest.Message {
	var out []larktest.Message
	for _, m := range b.emu.DMs(openID) {
		if m.MsgType == "interactive" && m.Sender == "app" {
			out = append(out, m)
		}
	}
	return out
}

// waitCards waits until chatID holds n bot cards and returns them.
func (b *baton) waitCards(chatID string, n int) []larktest.Message {
	b.t.Helper()
	b.wait(fmt.Sprintf("%d cards in %s", n, chatID), func() bool { return len(b.cardsIn(chatID)) >= n })
	return b.cardsIn(chatID)
}

func (b *baton) waitDMs(openID string, n int) []larktest.Message {
	b.t.Helper()
	b.wait(fmt.Sprintf("%d DM cards to %s", n, openID), func() bool { return len(b.dmCards(openID)) >= n })
	return b.dmCards(openID)
}

func (b *baton) click(msgID, target, who string, opts ...larktest.ClickOption) larktest.ClickResult {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := b.emu.Click(ctx, msgID, target, who, opts...)
	if err != nil {
		b.t.Fatalf("click %s on %s as %s: %v", target, msgID, who, err)
	}
	return res
}

// closeLead submits the owner card's close form and confirms it on the card that answers, as a rep does,
// and returns the confirmation's result.
func (b *baton) closeLead(msgID, who string, form map[string]any) larktest.ClickResult {
	b.t.Helper()
	if r := b.click(msgID, "close_submit", who, larktest.FormValue(form)); r.Toast == nil || r.Toast.Type != "info" {
		b.t.Fatalf("close form refused: %+v", r.Toast)
	}
	return b.click(msgID, "close_confirm", who)
}

func (b *baton) message(id string) larktest.Message {
	b.t.Helper()
	m, ok := b.emu.Message(id)
	if !ok {
		b.t.Fatalf("message %s not found", id)
	}
	return m
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func toastText(r larktest.ClickResult) string {
	if r.Toast == nil {
		return ""
	}
	return r.Toast.Content + " / " + r.Toast.I18n["en_us"]
}

// rawClick sends a card.action.trigger with a value of the test's choosing, as an old card would, and
// returns the decoded callback response.
func (b *baton) rawClick(msgID, who string, value, form map[string]any) map[string]any {
	b.t.Helper()
	m := b.message(msgID)
	action := map[string]any{"value": value, "tag": "button"}
	if form != nil {
		action["form_value"] = form
	}
	ev := map[string]any{
		"operator": map[string]any{"open_id": who},
		"token":    "c-stale",
		"action":   action,
		"host":     "im_message",
		"context":  map[string]any{"open_message_id": m.ID, "open_chat_id": m.ChatID},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := b.emu.SendEvent(ctx, "card.action.trigger", ev)
	if err != nil || d.Status != http.StatusOK {
		b.t.Fatalf("raw click: %v (HTTP %d %s)", err, d.Status, d.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(d.Body, &out); err != nil {
		b.t.Fatalf("raw click response %s: %v", d.Body, err)
	}
	return out
}

// set stops the clock at t.
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.fixed, c.offset = t, 0
	c.mu.Unlock()
}

// sweep runs one sweep through the real queue, as the scheduler does every minute, and waits until the
// work it started has finished.
func (b *baton) sweep() {
	b.t.Helper()
	b.enqueueRaw(jobs.TypeSweep, jobs.QueueLow, nil)
	b.settle()
}

// enqueueRaw puts a task straight on the shared queue, as the scheduler, asynq's at-least-once delivery or
// a second scheduler may: no task id, so nothing deduplicates it before a worker runs it.
func (b *baton) enqueueRaw(typ, queue string, payload []byte) {
	b.t.Helper()
	opt, err := redis.ParseURL(b.env["BATON_REDIS_URL"])
	if err != nil {
		b.t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if _, err := asynq.NewClientFromRedisClient(rdb).EnqueueContext(context.Background(),
		asynq.NewTask(typ, payload, asynq.Queue(queue))); err != nil {
		b.t.Fatalf("enqueue %s: %v", typ, err)
	}
}

// settle waits until no task is pending or running in any queue (future wake-ups may stay scheduled).
func (b *baton) settle() {
	b.t.Helper()
	opt, _ := redis.ParseURL(b.env["BATON_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	quiet := 0
	b.wait("the queues to drain", func() bool {
		busy := 0
		for _, q := range []string{jobs.QueueCritical, jobs.QueueDefault, jobs.QueueLow} {
			if info, err := insp.GetQueueInfo(q); err == nil {
				busy += info.Pending + info.Active
			}
		}
		if busy == 0 {
			quiet++
		} else {
			quiet = 0
		}
		return quiet >= 5 // quiet for 100 ms: a finished task may enqueue a follow-up sync
	})
}

// events counts the lead's timeline entries of a kind.
func (b *baton) events(id int64, kind string) int {
	b.t.Helper()
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	n := 0
	tl, _ := detail["timeline"].([]any)
	for _, e := range tl {
		if m, ok := e.(map[string]any); ok && m["kind"] == kind {
			n++
		}
	}
	return n
}

func (b *baton) lead(id int64) map[string]any {
	b.t.Helper()
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	return detail
}
