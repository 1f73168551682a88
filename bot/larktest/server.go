package larktest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Config describes the emulated app. Empty fields take the defaults noted on them.
type Config struct {
	AppID, AppSecret  string        // defaults "cli_baton_test" / "secret_baton_test"
	VerificationToken string        // copied into every event header's token
	EncryptKey        string        // when set, webhook events are encrypted and signed; when empty, sent plaintext
	TokenExpire       time.Duration // `expire` in the token response; default 2h. ≤ 3 min keeps the SDK from caching tokens
	BotOpenID         string        // default "ou_bot"
	BotName           string        // default "Baton"
	TenantKey         string        // default "tenant_baton_test"
}

func (c Config) withDefaults() Config {
	if c.AppID == "" {
		c.AppID = "cli_baton_test"
	}
	if c.AppSecret == "" {
		c.AppSecret = "secret_baton_test"
	}
	if c.TokenExpire <= 0 {
		c.TokenExpire = 2 * time.Hour
	}
	if c.BotOpenID == "" {
		c.BotOpenID = "ou_bot"
	}
	if c.BotName == "" {
		c.BotName = "Baton"
	}
	if c.TenantKey == "" {
		c.TenantKey = "tenant_baton_test"
	}
	return c
}

// Server is one emulated Lark tenant with one bot app. All methods are safe for concurrent use.
type Server struct {
	cfg     Config
	handler http.Handler
	ts      *httptest.Server
	closed  chan struct{}
	once    sync.Once

	mu sync.Mutex // guards everything below
	st state
	ws wsHub

	// change notification: changed is closed and replaced on every state change.
	version uint64
	changed chan struct{}
	subs    map[chan struct{}]struct{}
}

// New creates and starts an emulator on a loopback httptest server.
func New(cfg Config) *Server {
	s := NewUnstarted(cfg)
	s.ts.Start()
	return s
}

// NewUnstarted creates an emulator without a listener. Call Start to serve it on an address of your choice,
// or mount Handler() in your own server (URL() stays empty then; the websocket endpoint derives its URL from
// the request's Host, so it works either way).
func NewUnstarted(cfg Config) *Server {
	s := &Server{
		cfg:     cfg.withDefaults(),
		closed:  make(chan struct{}),
		changed: make(chan struct{}),
		subs:    make(map[chan struct{}]struct{}),
	}
	s.st.init()
	s.ws.init()
	s.handler = s.routes()
	s.ts = httptest.NewUnstartedServer(s.handler)
	return s
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves; only for a server from NewUnstarted.
// The SDK's websocket bootstrap uses http.DefaultClient, so the emulator must be reachable over a real socket
// even in tests.
func (s *Server) Start(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	_ = s.ts.Listener.Close()
	s.ts.Listener = l
	s.ts.Start()
	return nil
}

// URL is the base URL to hand to the SDK (WithOpenBaseUrl, larkws.WithDomain).
func (s *Server) URL() string { return s.ts.URL }

// Handler serves everything: /open-apis, /callback/ws/endpoint, the websocket and /__emu.
func (s *Server) Handler() http.Handler { return s.handler }

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Close disconnects websocket clients, ends event streams and shuts the listener down.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.closeWS()
		if s.ts.Listener != nil {
			s.ts.Close()
		}
	})
}

// SetNow replaces the emulator's clock. Every time window (token expiry, uuid idempotency, rate limits, the
// 14-day patch window, delayed-update tokens) reads it, so a frozen clock also freezes rate-limit windows.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.st.now = now
}

// SetLatency delays every Open API response by d, to exercise the bot's timeouts.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.latency = d
}

// changedLocked records a state change and wakes waiters; s.mu must be held.
func (s *Server) changedLocked() {
	s.trimLocked()
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default: // a notification is already pending; changes coalesce
		}
	}
}

// WaitFor re-evaluates cond after every state change until it returns true or ctx ends. cond runs without
// the emulator's lock held, so it may call any Server method.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for condition: %w", ctx.Err())
		case <-s.closed:
			return fmt.Errorf("wait for condition: emulator closed")
		}
	}
}

// Changes returns a channel that receives a value after state changes; bursts coalesce into one value.
// Call cancel to stop receiving.
func (s *Server) Changes() (ch <-chan struct{}, cancel func()) {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[c] = struct{}{}
	s.mu.Unlock()
	var once sync.Once
	return c, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, c)
			s.mu.Unlock()
		})
	}
}

// Version counts state changes so far; the control API reports it so a console can skip stale snapshots.
func (s *Server) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// clock reads the emulator's clock for callers that do not hold s.mu: event timestamps follow it, so a bot
// under test with an injected clock sees fresh timestamps.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	now := s.st.now
	s.mu.Unlock()
	return now()
}
