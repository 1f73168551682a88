package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"slices"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkcontact "github.com/larksuite/oapi-sdk-go/v3/service/contact/v3"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	"golang.org/x/sync/singleflight"

	"github.com/baton-crm/baton/crm"
)

// maxAttempts bounds how often one call is tried; with the backoff below a call gives up after about
// 4 seconds of server errors, or longer when Lark asks to wait for its rate window.
const maxAttempts = 5

// Client talks to the Lark Open Platform for Baton. It implements crm.Messenger and crm.Directory. Every
// call waits for its slot in one limiter (shared over Redis when configured), carries its own
// tenant_access_token and is retried on rate limits, server errors and network failures.
type Client struct {
	cfg     Config
	lark    *larkcore.Config
	im      *larkim.V1
	contact *larkcontact.V3
	lim     limiter
	tokens  *tokenSource
	log     *slog.Logger

	names      *ttlCache[string]
	nameMisses *ttlCache[error] // failed name look-ups, kept NameMissTTL
	members    *ttlCache[[]string]
	flight     singleflight.Group // one Lark request per key for concurrent cache misses

	botMu     sync.Mutex
	botOpenID string
	botName   string

	// widened are the per-target keys Lark refused with 230020, until when their window stays widened.
	widenMu sync.Mutex
	widened map[string]time.Time
}

// When Lark refuses a send for its per-chat, per-user or per-message limit (230020) although Baton kept
// its window, the arrivals were closer together than the sends (network jitter, or other bots posting in
// the chat, which share its 5 QPS). The key's window then grows by widenBy for widenFor, so one refusal
// does not become a run of them; the refused call is retried as every rate-limited call is.
const (
	widenBy  = 250 * time.Millisecond
	widenFor = 10 * time.Minute
)

// widen marks the per-target keys of a refused call.
func (c *Client) widen(keys []rateKey) {
	c.widenMu.Lock()
	defer c.widenMu.Unlock()
	if c.widened == nil {
		c.widened = map[string]time.Time{}
	}
	now := time.Now()
	for _, k := range keys {
		if k.window <= 0 {
			continue
		}
		if until, ok := c.widened[k.name]; !ok || now.After(until) {
			c.log.Warn("lark refused a send for its per-target limit; widening that target's window",
				"key", k.name, "window_ms", (k.window + widenBy).Milliseconds(), "for", widenFor.String())
		}
		c.widened[k.name] = now.Add(widenFor)
	}
	for name, until := range c.widened {
		if now.After(until) {
			delete(c.widened, name)
		}
	}
}

// adjust returns keys with the windows of widened targets grown.
func (c *Client) adjust(keys []rateKey) []rateKey {
	c.widenMu.Lock()
	defer c.widenMu.Unlock()
	if len(c.widened) == 0 {
		return keys
	}
	now := time.Now()
	var out []rateKey // a copy, made on the first widened key: keys belong to the call
	for i, k := range keys {
		if until, ok := c.widened[k.name]; ok && k.window > 0 && now.Before(until) {
			if out == nil {
				out = slices.Clone(keys)
			}
			out[i].window += widenBy
		}
	}
	if out == nil {
		return keys
	}
	return out
}

var (
	_ crm.Messenger = (*Client)(nil)
	_ crm.Directory = (*Client)(nil)
)

// NewClient returns a Client. It makes no network call.
func NewClient(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new lark client: %w", err)
	}
	// Built the way the SDK's NewClient does, minus the root package and its process-global token cache:
	// with EnableTokenCache off every call carries the token Client fetched itself, so two Clients (tests,
	// several apps) never hand each other tokens and an invalid token can be dropped at once.
	lc := &larkcore.Config{
		BaseUrl:          cfg.BaseURL,
		AppId:            cfg.AppID,
		AppSecret:        cfg.AppSecret,
		AppType:          larkcore.AppTypeSelfBuilt,
		EnableTokenCache: false,
		ReqTimeout:       cfg.Timeout,
		LogLevel:         larkcore.LogLevelWarn,
		Logger:           sdkLogger{cfg.Logger},
		HttpClient:       statusDoer{&http.Client{Timeout: cfg.Timeout, Transport: transport()}},
	}
	larkcore.NewLogger(lc)
	larkcore.NewSerialization(lc)
	larkcore.NewHttpClient(lc)

	c := &Client{
		cfg:        cfg,
		lark:       lc,
		im:         larkim.New(lc),
		contact:    larkcontact.New(lc),
		log:        cfg.Logger,
		names:      newTTLCache[string](time.Hour, 10000),
		nameMisses: newTTLCache[error](cfg.NameMissTTL, 10000),
		members:    newTTLCache[[]string](5*time.Minute, 1000),
	}
	var shared *redisTokenCache
	if cfg.Redis != nil {
		c.lim = newRedisLimiter(cfg.Redis, cfg.AppID, cfg.Logger)
		shared = &redisTokenCache{rdb: cfg.Redis}
	} else {
		c.lim = newLocalLimiter()
	}
	c.tokens = &tokenSource{lark: lc, shared: shared}
	return c, nil
}

// call describes one API call for pacing and logging: only ids go into logs, never content.
type call struct {
	op    string
	keys  []rateKey
	attrs []any
}

// apiFunc performs one attempt with the given token option and reports the response envelope.
type apiFunc func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error)

// do runs fn with pacing, a fresh token and retries. The request body, including its uuid, is built once
// by the caller, so a retried send is the same request and Lark posts it at most once.
func (c *Client) do(ctx context.Context, cl call, fn apiFunc) error {
	start := time.Now()
	refreshed := false
	for attempt := 1; ; attempt++ {
		// Token first, slot second: a slot taken and then held up behind a token fetch would let calls
		// bunch up and reach Lark faster than the limiter admitted them.
		tok, err := c.tokens.get(ctx)
		var ae *APIError
		if err == nil {
			if err := c.lim.wait(ctx, c.adjust(cl.keys)); err != nil {
				return fmt.Errorf("lark %s: %w", cl.op, err)
			}
			resp, ce, err := fn(ctx, larkcore.WithTenantAccessToken(tok))
			ae = classify(cl.op, resp, ce, err)
			if ae == nil {
				c.log.Debug("lark call", append(cl.attrs, "op", cl.op, "attempts", attempt,
					"duration_ms", time.Since(start).Milliseconds())...)
				return nil
			}
			if tokenInvalid(ae.Code) && !refreshed {
				// The SDK would retry with the same cached token; drop it and fetch a new one instead.
				refreshed = true
				c.tokens.invalidate(ctx, tok)
				continue
			}
		} else if ae, _ = err.(*APIError); ae == nil {
			return fmt.Errorf("lark %s: %w", cl.op, err)
		}
		if ae.Code == codeIMRateLimited {
			c.widen(cl.keys)
		}
		if !ae.Temporary() || attempt >= maxAttempts || ctx.Err() != nil {
			c.log.Warn("lark call failed", append(cl.attrs, "op", cl.op, "status", ae.Status, "code", ae.Code,
				"log_id", ae.LogID, "attempts", attempt, "duration_ms", time.Since(start).Milliseconds(),
				"error", ae.Msg)...)
			return ae
		}
		d := backoff(attempt, ae)
		c.log.Info("lark call retry", append(cl.attrs, "op", cl.op, "status", ae.Status, "code", ae.Code,
			"attempt", attempt, "wait_ms", d.Milliseconds())...)
		if err := sleep(ctx, d); err != nil {
			return ae
		}
	}
}

// classify turns one attempt's outcome into nil (success) or an *APIError.
func classify(op string, resp *larkcore.ApiResp, ce *larkcore.CodeError, err error) *APIError {
	if err != nil {
		if ae, ok := err.(*APIError); ok {
			ae.Op = op
			return ae
		}
		return &APIError{Op: op, Msg: err.Error(), Err: err}
	}
	code, msg := 0, ""
	if ce != nil {
		code, msg = ce.Code, ce.Msg
	}
	if resp == nil {
		return &APIError{Op: op, Code: code, Msg: msg}
	}
	if code == 0 && resp.StatusCode < 300 {
		return nil
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return apiErrorFrom(op, resp, code, msg)
}

// backoff is jittered exponential (250ms, 500ms, 1s, 2s… up to 8s), or Lark's reset time for rate limits.
func backoff(attempt int, ae *APIError) time.Duration {
	if ae.RetryAfter > 0 {
		d := min(ae.RetryAfter, time.Minute)
		return d + rand.N(250*time.Millisecond)
	}
	d := min(250*time.Millisecond<<(attempt-1), 8*time.Second)
	return d/2 + rand.N(d/2+1)
}

// statusDoer turns non-JSON error responses (a gateway's HTML 502, say) into *APIError with their status:
// the SDK would otherwise report only "content-type not json" and the status would be lost.
type statusDoer struct{ hc *http.Client }

func (d statusDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return nil, &APIError{Status: resp.StatusCode, Msg: http.StatusText(resp.StatusCode),
		LogID: resp.Header.Get("X-Tt-Logid"), RetryAfter: retryAfter(resp.Header)}
}

// transport keeps enough idle connections for paced bursts: with net/http's default of two per host, calls
// admitted together dial new connections and reach Lark unevenly spaced.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// rateKeys returns the limits of one API (op: "send", "reply", "patch", …; Lark counts each API on its own)
// plus the given per-target ones.
func (c *Client) rateKeys(op string, extra ...rateKey) []rateKey {
	l := c.cfg.Limits
	keys := []rateKey{
		{name: "api:" + op + ":s", interval: every(l.APIPerSecond), burst: 1},
		{name: "api:" + op + ":m", interval: time.Duration(float64(time.Minute) / l.APIPerMinute), burst: l.APIMinuteBurst},
	}
	return append(keys, extra...)
}

func (c *Client) chatKey(chatID string) rateKey {
	return c.targetKey("chat:"+chatID, c.cfg.Limits.ChatPerWindow)
}

func (c *Client) userKey(openID string) rateKey {
	return c.targetKey("user:"+openID, c.cfg.Limits.UserPerWindow)
}

func (c *Client) messageKey(messageID string) rateKey {
	return c.targetKey("msg:"+messageID, c.cfg.Limits.MessagePerWindow)
}

// targetKey is a per-target sliding window: at most n calls in any TargetWindow.
func (c *Client) targetKey(name string, n int) rateKey {
	return rateKey{name: name, burst: n, window: c.cfg.Limits.TargetWindow}
}

func every(perSecond float64) time.Duration {
	return time.Duration(float64(time.Second) / perSecond)
}

// sdkLogger routes the SDK's own log lines into slog.
type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Debug(ctx context.Context, args ...any) { l.emit(ctx, slog.LevelDebug, args) }
func (l sdkLogger) Info(ctx context.Context, args ...any)  { l.emit(ctx, slog.LevelInfo, args) }
func (l sdkLogger) Warn(ctx context.Context, args ...any)  { l.emit(ctx, slog.LevelWarn, args) }
func (l sdkLogger) Error(ctx context.Context, args ...any) { l.emit(ctx, slog.LevelError, args) }

func (l sdkLogger) emit(ctx context.Context, level slog.Level, args []any) {
	l.log.Log(ctx, level, "lark sdk", "detail", fmt.Sprint(args...))
}
