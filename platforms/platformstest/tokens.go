package platformstest

import (
	"fmt"
	"sync"
)

// tokenBook is a fake platform's OAuth state: the access token it accepts, the refresh token that buys
// the next pair, and the tokens it has retired. Both platforms void the old pair on refresh (腾讯广告:
// "原 Access Token 及 Refresh Token 会失效", https://developers.e.qq.com/v3.0/docs/api/oauth/refresh_token;
// 巨量引擎: "刷新后会过期，请及时保存最新的token").
type tokenBook struct {
	mu       sync.Mutex
	prefix   string
	issued   map[string]bool
	access   string
	expired  bool
	refresh  string
	appID    int64
	secret   string
	ttl      int64 // access token lifetime the refresh answer states, seconds
	n        int
	calls    int
	refused  int
	broken   int64 // refresh answers this code when non-zero
	brokeMsg string
}

// check says whether tok is accepted: "ok", "expired" (the current token after Expire, or a retired one)
// or "invalid".
func (b *tokenBook) check(tok string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case tok == b.access && !b.expired:
		return "ok"
	case b.issued[tok]:
		b.refused++
		return "expired"
	}
	b.refused++
	return "invalid"
}

// spend answers a refresh: the new pair, or the refusal's code and message.
func (b *tokenBook) spend(appID int64, secret, refresh string) (access, next string, ttl int64, code int64, msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	switch {
	case b.broken != 0:
		return "", "", 0, b.broken, b.brokeMsg
	case b.refresh == "" || appID != b.appID || secret != b.secret:
		return "", "", 0, 40001, "app_id or secret is wrong" // invented: the fakes' own codes only need to be non-zero
	case refresh != b.refresh:
		return "", "", 0, 40003, "refresh_token is invalid"
	}
	b.n++
	b.access = fmt.Sprintf("%s#%d", b.prefix, b.n)
	b.issued[b.access] = true
	b.expired = false
	b.refresh = fmt.Sprintf("%s#refresh-%d", b.prefix, b.n)
	return b.access, b.refresh, b.ttl, 0, ""
}

func (b *tokenBook) enable(appID int64, secret, refresh string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.appID, b.secret, b.refresh = appID, secret, refresh
}

func newTokenBook(access string) *tokenBook {
	return &tokenBook{prefix: access, access: access, issued: map[string]bool{access: true}, ttl: 86400}
}

// TokenControl lets a test drive a fake's OAuth state.
type TokenControl struct{ b *tokenBook }

// Expire makes the current access token expired: calls carrying it are refused with the platform's
// "expired" code until the client refreshes.
func (c TokenControl) Expire() {
	c.b.mu.Lock()
	c.b.expired = true
	c.b.mu.Unlock()
}

// EnableRefresh accepts refresh calls from the app (appID, secret) spending refresh, the refresh token
// issued with the current access token.
func (c TokenControl) EnableRefresh(appID int64, secret, refresh string) {
	c.b.enable(appID, secret, refresh)
}

// SetTTL sets the access token lifetime refresh answers state.
func (c TokenControl) SetTTL(seconds int64) {
	c.b.mu.Lock()
	c.b.ttl = seconds
	c.b.mu.Unlock()
}

// Break makes refresh calls fail with code and msg (0 heals them).
func (c TokenControl) Break(code int64, msg string) {
	c.b.mu.Lock()
	c.b.broken, c.b.brokeMsg = code, msg
	c.b.mu.Unlock()
}

// Refreshes returns how many refresh calls the fake answered.
func (c TokenControl) Refreshes() int {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	return c.b.calls
}

// Refused returns how many calls the fake refused for their access token.
func (c TokenControl) Refused() int {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	return c.b.refused
}

// Access returns the access token the fake accepts now.
func (c TokenControl) Access() string {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	return c.b.access
}
