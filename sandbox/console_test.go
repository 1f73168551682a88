package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func startWorld(t *testing.T) *World {
	t.Helper()
	w, err := Start(t.TempDir())
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(w.Close)
	return w
}

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestConsoleServesPageAndAssets(t *testing.T) {
	h := Console(startWorld(t))
	tests := []struct {
		path, contentType, contains string
	}{
		{"/sandbox/", "text/html; charset=utf-8", `<script type="module" src="app.js">`},
		{"/sandbox/index.html", "text/html; charset=utf-8", "Baton"},
		{"/sandbox/app.js", "text/javascript; charset=utf-8", "__emu/"},
		{"/sandbox/card.js", "text/javascript; charset=utf-8", "export function renderCard"},
		{"/sandbox/app.css", "text/css; charset=utf-8", ".sidebar"},
	}
	for _, tt := range tests {
		res, body := get(t, h, http.MethodGet, tt.path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", tt.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tt.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, got, tt.contentType)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q does not restrict scripts", tt.path, csp)
		}
	}
}

func TestConsoleConfig(t *testing.T) {
	w := startWorld(t)
	w.TimeZone = "Asia/Shanghai"
	res, body := get(t, Console(w), http.MethodGet, "/sandbox/config.json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	var cfg ConsoleConfig
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("decode config.json: %v\n%s", err, body)
	}
	if cfg.SourceToken == "" || cfg.SourceToken != w.SourceToken {
		t.Errorf("source_token %q, want the world's %q", cfg.SourceToken, w.SourceToken)
	}
	if diff := cmp.Diff(Personas(), cfg.Personas); diff != "" {
		t.Errorf("personas (-want +got):\n%s", diff)
	}
	if cfg.TimeZone != w.TimeZone {
		t.Errorf("time_zone %q, want the team's %q: the console shows times in it", cfg.TimeZone, w.TimeZone)
	}
	if cfg.SalesChat != SalesChat || cfg.OpsChat != OpsChat || cfg.LeadAPI != "/api/v1/leads" || cfg.Emulator != "/sandbox/emu" {
		t.Errorf("chat ids or endpoints wrong: %+v", cfg)
	}
	for _, p := range Personas() {
		if got, want := cfg.DMChats[p.OpenID], w.Emulator.P2PChatID(p.OpenID); got == "" || got != want {
			t.Errorf("dm_chats[%s] = %q, want %q", p.OpenID, got, want)
		}
	}
	if cfg.BotName != w.Emulator.Config().BotName {
		t.Errorf("bot_name %q", cfg.BotName)
	}
}

func TestConsoleRejects(t *testing.T) {
	h := Console(startWorld(t))
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/sandbox/nope.js", http.StatusNotFound},
		{http.MethodGet, "/sandbox/static/app.js", http.StatusNotFound},
		{http.MethodGet, "/sandbox/../console.go", http.StatusNotFound},
		{http.MethodGet, "/elsewhere", http.StatusNotFound},
		{http.MethodPost, "/sandbox/config.json", http.StatusMethodNotAllowed},
	} {
		if res, body := get(t, h, tt.method, tt.path); res.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tt.method, tt.path, res.StatusCode, tt.status, body)
		}
	}
}
