package platforms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/baton-crm/baton/crm"
)

// TokenProvider gives a client the access token its calls carry.
type TokenProvider interface {
	// Token returns the access token to use now, refreshing it first when it is about to expire.
	Token(ctx context.Context) (string, error)
	// Refresh is called when the platform refused stale as expired or invalid: it returns a fresh token
	// (another replica's, when one refreshed meanwhile), or an error when none can be had.
	Refresh(ctx context.Context, stale string) (string, error)
}

// StaticToken is a TokenProvider over Token(value, file): a token refreshed outside Baton, or not at all.
type StaticToken func() (string, error)

// Token returns the configured token.
func (s StaticToken) Token(context.Context) (string, error) { return s() }

// Refresh re-reads the token (a file rewritten outside Baton) and fails when it is still the refused one.
func (s StaticToken) Refresh(_ context.Context, stale string) (string, error) {
	tok, err := s()
	if err != nil {
		return "", err
	}
	if tok == stale {
		return "", errors.New("the access token was refused and no refresh token is configured")
	}
	return tok, nil
}

// RefreshFunc spends a refresh token at the platform's OAuth endpoint and returns the new pair. now is when
// the call was made, for the expiry times.
type RefreshFunc func(ctx context.Context, refreshToken string, now time.Time) (crm.PlatformToken, error)

// WithToken runs send with the access token. When the platform answers with one of tokenCodes (the token
// expired or is invalid) it refreshes the token and runs send once more; when that refresh fails, the
// error joins refused() (the platform's answer, as the client reports it) with the refresh's.
func WithToken(ctx context.Context, tokens TokenProvider, tokenCodes []int64, send func(tok string) (code int64, err error), refused func() error) error {
	for attempt := 0; ; attempt++ {
		tok, err := tokens.Token(ctx)
		if err != nil {
			return err
		}
		code, err := send(tok)
		if err != nil {
			return err
		}
		if attempt > 0 || !slices.Contains(tokenCodes, code) {
			return nil
		}
		if _, err := tokens.Refresh(ctx, tok); err != nil {
			return errors.Join(refused(), err)
		}
	}
}

// OAuthAnswer is what a platform's refresh call answered: the new access token, the refresh token (empty
// when the platform keeps the old one) and their lifetimes in seconds (0: not said).
type OAuthAnswer struct {
	Access, Refresh     string
	AccessIn, RefreshIn int64
}

// Token is the answer as a stored pair, its expiry times counted from now (when the call was made).
func (a OAuthAnswer) Token(now time.Time) crm.PlatformToken {
	t := crm.PlatformToken{Access: a.Access, Refresh: a.Refresh}
	if a.AccessIn > 0 {
		t.AccessExpires = now.Add(time.Duration(a.AccessIn) * time.Second)
	}
	if a.RefreshIn > 0 {
		t.RefreshExpires = now.Add(time.Duration(a.RefreshIn) * time.Second)
	}
	return t
}

// HostURL is path on the scheme and host of baseURL (an API base with a path of its own), or on fallback's
// when baseURL is empty or unreadable: OAuth calls live outside the API's versioned path.
func HostURL(baseURL, fallback, path string) string {
	if baseURL == "" {
		baseURL = fallback
	}
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host + path
	}
	if u, err := url.Parse(fallback); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host + path
	}
	return fallback + path
}

// Tokens is a TokenProvider that refreshes the platform's OAuth pair itself: before the access token
// expires (RefreshBefore ahead) and when the platform refuses it. The pair lives in the TokenStore, so it
// survives restarts and every replica uses the newest; the store's lock lets one replica refresh at a time.
type Tokens struct {
	Source        string // the source key, for the store and the logs
	Store         crm.TokenStore
	Refresher     RefreshFunc
	Seed          crm.PlatformToken // from the environment: the first access token (optional) and refresh token
	RefreshBefore time.Duration     // default 10 minutes
	Now           func() time.Time
	Logger        *slog.Logger

	mu  sync.Mutex
	cur *crm.PlatformToken
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tokens) margin() time.Duration {
	if t.RefreshBefore > 0 {
		return t.RefreshBefore
	}
	return 10 * time.Minute
}

// usable reports whether tok can be sent now: it has an access token that is not about to expire.
func (t *Tokens) usable(tok crm.PlatformToken) bool {
	return tok.Access != "" && (tok.AccessExpires.IsZero() || t.now().Before(tok.AccessExpires.Add(-t.margin())))
}

// Token returns the access token, refreshing the pair when it is missing or expires within RefreshBefore.
func (t *Tokens) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == nil {
		cur, err := t.load(ctx)
		if err != nil {
			return "", err
		}
		t.cur = &cur
	}
	if t.usable(*t.cur) {
		return t.cur.Access, nil
	}
	return t.refresh(ctx, "")
}

// Refresh replaces stale, which the platform refused.
func (t *Tokens) Refresh(ctx context.Context, stale string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refresh(ctx, stale)
}

// load reads the stored pair; the environment's seed wins when the store has none or descends from
// another seed (the account was authorised again and the operator set the new tokens).
func (t *Tokens) load(ctx context.Context) (crm.PlatformToken, error) {
	stored, err := t.Store.PlatformToken(ctx, t.Source)
	switch {
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		return t.Seed, nil
	case err != nil:
		return crm.PlatformToken{}, fmt.Errorf("read token of %s: %w", t.Source, err)
	case stored.Seed != t.Seed.Seed:
		return t.Seed, nil
	}
	return stored, nil
}

// refresh runs under the store's lock: when the stored pair is already newer than the one refused (another
// replica refreshed it) or still good, it is taken as is; otherwise the refresh token is spent.
func (t *Tokens) refresh(ctx context.Context, stale string) (string, error) {
	next, err := t.Store.RefreshPlatformToken(ctx, t.Source, func(cur crm.PlatformToken, found bool) (crm.PlatformToken, error) {
		if !found || cur.Seed != t.Seed.Seed {
			cur = t.Seed
		}
		if t.usable(cur) && cur.Access != stale {
			return cur, nil
		}
		if cur.Refresh == "" {
			return crm.PlatformToken{}, errors.New("no refresh token: set the source's _REFRESH_TOKEN")
		}
		if !cur.RefreshExpires.IsZero() && !t.now().Before(cur.RefreshExpires) {
			return crm.PlatformToken{}, errors.New("the refresh token expired: authorise the account again and set the new tokens")
		}
		got, err := t.Refresher(ctx, cur.Refresh, t.now())
		if err != nil {
			return crm.PlatformToken{}, err
		}
		if got.Refresh == "" { // 腾讯广告's oauth/token keeps the refresh token
			got.Refresh = cur.Refresh
			if got.RefreshExpires.IsZero() {
				got.RefreshExpires = cur.RefreshExpires
			}
		}
		got.Seed = t.Seed.Seed
		return got, nil
	})
	if err != nil {
		// No token in the message: the refresh errors carry the platform's code and message only.
		t.logger().Error("platform token refresh failed", "source", t.Source, "error", err)
		t.cur = nil // read the store again next time: another replica may succeed
		return "", fmt.Errorf("refresh the access token of %s: %w", t.Source, err)
	}
	if next.Access != t.seenAccess() {
		t.logger().Info("platform token refreshed", "source", t.Source, "expires_at", next.AccessExpires)
	}
	t.cur = &next
	return next.Access, nil
}

func (t *Tokens) seenAccess() string {
	if t.cur == nil {
		return ""
	}
	return t.cur.Access
}

func (t *Tokens) logger() *slog.Logger {
	if t.Logger != nil {
		return t.Logger
	}
	return slog.Default()
}

// SafeError is err without what a platform's HTTP error body might echo: the code and message of an
// APIError, the status of a StatusError. Refresh errors are stored and shown in /readyz.
func SafeError(err error) error {
	var se *StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("platform answered HTTP %d", se.Status)
	}
	return err
}
