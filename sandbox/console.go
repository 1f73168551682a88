package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// consolePrefix is where Baton mounts the console; the emulator's control API sits below it at /sandbox/emu.
const consolePrefix = "/sandbox/"

// ConsoleConfig is what the console page loads from /sandbox/config.json: who it can act as, where the
// demo chats are, and the token the "new demo lead" button posts with.
type ConsoleConfig struct {
	SourceToken string            `json:"source_token"`
	LeadAPI     string            `json:"lead_api"`
	Emulator    string            `json:"emulator"`
	Personas    []Persona         `json:"personas"`
	SalesChat   string            `json:"sales_chat"`
	OpsChat     string            `json:"ops_chat"`
	DMChats     map[string]string `json:"dm_chats"` // open_id → the person's direct chat with the bot
	BotName     string            `json:"bot_name"`
	TimeZone    string            `json:"time_zone"` // IANA zone the console shows times in
}

// Config returns the console's configuration for this world.
func (w *World) Config() ConsoleConfig {
	c := ConsoleConfig{
		SourceToken: w.SourceToken, LeadAPI: "/api/v1/leads", Emulator: consolePrefix + "emu",
		Personas: Personas(), SalesChat: SalesChat, OpsChat: OpsChat, DMChats: map[string]string{},
		BotName: w.Emulator.Config().BotName, TimeZone: w.TimeZone,
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	for _, p := range c.Personas {
		c.DMChats[p.OpenID] = w.Emulator.P2PChatID(p.OpenID)
	}
	return c
}

// Console serves the sandbox web console under /sandbox/: the embedded page, its scripts and styles, and
// config.json. Everything else the page needs it asks of the emulator (/sandbox/emu/__emu/…) and of
// Baton's public lead API, as an outside user would.
func Console(w *World) http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic("sandbox: embedded console files missing: " + err.Error()) // fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(rw.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rw.Header().Set("Allow", "GET, HEAD")
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, consolePrefix)
		if !ok {
			http.NotFound(rw, r)
			return
		}
		switch {
		case name == "config.json":
			rw.Header().Set("Content-Type", "application/json; charset=utf-8")
			// The token and the DM chat ids change with the data directory; never serve a stale copy.
			rw.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(rw).Encode(w.Config())
			return
		case name == "" || name == "index.html":
			name = "index.html"
		case strings.HasSuffix(name, "/") || !fs.ValidPath(name):
			http.NotFound(rw, r)
			return
		}
		if _, err := fs.Stat(sub, name); err != nil {
			http.NotFound(rw, r)
			return
		}
		// The files are embedded in the binary, so an upgrade is the only change; revalidate every load.
		rw.Header().Set("Cache-Control", "no-cache")
		if name == "index.html" {
			// FileServer would redirect /index.html to ./; serve the bytes directly instead.
			page, err := fs.ReadFile(sub, name)
			if err != nil {
				http.NotFound(rw, r)
				return
			}
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.ServeContent(rw, r, name, time.Time{}, bytes.NewReader(page))
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(rw, r2)
	})
}

// setSecurityHeaders keeps card text inert even if an escaping bug slipped through: no inline or foreign
// scripts, no framing.
func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "+
		"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
}
