package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/internal/testenv"
)

const testEncryptKey = "encrypt-key-for-tests"

func randID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEmulator starts a Lark emulator with a fresh app id, signing and encrypting its events.
func newEmulator(t testing.TB) *larktest.Server {
	t.Helper()
	s := larktest.New(larktest.Config{
		AppID:             randID("cli_"),
		VerificationToken: "verification-token",
		EncryptKey:        testEncryptKey,
	})
	t.Cleanup(s.Close)
	return s
}

// newTestClient returns a Client for the emulator; rdb may be nil.
func newTestClient(t testing.TB, s *larktest.Server, rdb redis.UniversalClient) *Client {
	t.Helper()
	return newWindowClient(t, s, rdb, 0)
}

// newWindowClient is newTestClient with the per-target window set (0: the default).
func newWindowClient(t testing.TB, s *larktest.Server, rdb redis.UniversalClient, window time.Duration) *Client {
	t.Helper()
	c, err := NewClient(Config{
		AppID: s.Config().AppID, AppSecret: s.Config().AppSecret, BaseURL: s.URL(),
		Timeout: 5 * time.Second, Redis: rdb, Logger: quietLogger(), Limits: Limits{TargetWindow: window},
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// miniRedis returns a client on an in-process Redis.
func miniRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// realRedis returns a client on the Redis named by BATON_TEST_REDIS_URL (skips, or fails under CI).
func realRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatalf("parse redis url: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("ping redis: %v", err)
	}
	return rdb
}

// recorder is a Handler that remembers what it got and answers clicks with reply.
type recorder struct {
	mu       sync.Mutex
	messages []Message
	actions  []CardAction
	menus    []MenuEvent
	reply    func(CardAction) (*CardResponse, error)
}

func (r *recorder) HandleMessage(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, m)
	return nil
}

func (r *recorder) HandleCardAction(ctx context.Context, a CardAction) (*CardResponse, error) {
	r.mu.Lock()
	r.actions = append(r.actions, a)
	reply := r.reply
	r.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		panic("card action without a deadline")
	}
	if reply == nil {
		return nil, nil
	}
	return reply(a)
}

func (r *recorder) HandleMenu(_ context.Context, e MenuEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.menus = append(r.menus, e)
	return nil
}

func (r *recorder) counts() (messages, actions, menus int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.messages), len(r.actions), len(r.menus)
}

// memDeduper is an in-memory Deduper for tests that do not need Redis.
type memDeduper struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (d *memDeduper) FirstSeen(_ context.Context, key string, _ time.Duration) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if d.seen[key] {
		return false, nil
	}
	d.seen[key] = true
	return true, nil
}

// mountWebhook serves NewWebhook(cfg) and points the emulator at it.
func mountWebhook(t testing.TB, s *larktest.Server, cfg IntakeConfig) string {
	t.Helper()
	if cfg.EncryptKey == "" {
		cfg.EncryptKey = s.Config().EncryptKey
	}
	if cfg.VerificationToken == "" {
		cfg.VerificationToken = s.Config().VerificationToken
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.BotOpenID == "" {
		cfg.BotOpenID = s.Config().BotOpenID
	}
	h, err := NewWebhook(cfg)
	if err != nil {
		t.Fatalf("new webhook: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.SetWebhook(srv.URL + "/lark/events")
	return srv.URL + "/lark/events"
}

// testCard is a JSON 2.0 card with one callback button.
func testCard(title, op string) []byte {
	card := map[string]any{
		"schema": "2.0",
		"config": map[string]any{"update_multi": true},
		"header": map[string]any{"title": map[string]any{"tag": "plain_text", "content": title}},
		"body": map[string]any{"elements": []any{
			map[string]any{"tag": "markdown", "content": title},
			map[string]any{"tag": "button", "element_id": "btn_" + op, "text": map[string]any{"tag": "plain_text", "content": op},
				"behaviors": []any{map[string]any{"type": "callback", "value": map[string]any{"v": 1, "op": op, "lead": "42"}}}},
		}},
	}
	b, _ := json.Marshal(card)
	return b
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
