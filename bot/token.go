package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	"github.com/redis/go-redis/v9"
)

// tokenSource fetches and caches the app's tenant_access_token. Unlike the SDK's cache it belongs to one
// Client, fetches once for many concurrent callers, and forgets a token Lark has called invalid.
type tokenSource struct {
	lark   *larkcore.Config
	shared *redisTokenCache // nil without Redis

	mu    sync.Mutex
	token string
	until time.Time
}

// expiryDelta is how long before Lark's expiry a token stops being used, as in the SDK.
const expiryDelta = 3 * time.Minute

// sharedRecheck bounds how long a token read from Redis is used before Redis is asked again, so a token
// one replica dropped as invalid is dropped by all soon after.
const sharedRecheck = time.Minute

func (t *tokenSource) key() string {
	return "tenant_access_token-" + t.lark.AppId + "-"
}

func (t *tokenSource) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.token != "" && now.Before(t.until) {
		return t.token, nil
	}
	if t.shared != nil {
		if v, err := t.shared.Get(ctx, t.key()); err == nil && v != "" {
			t.token, t.until = v, now.Add(sharedRecheck)
			return v, nil
		}
	}
	tok, ttl, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		// Lark gave a token about to expire: use it for this call only, as the SDK does.
		t.token = ""
		return tok, nil
	}
	t.token, t.until = tok, now.Add(ttl)
	if t.shared != nil {
		_ = t.shared.Set(ctx, t.key(), tok, ttl)
	}
	return tok, nil
}

// invalidate drops tok if it is still the cached token.
func (t *tokenSource) invalidate(ctx context.Context, tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token = ""
	}
	if t.shared != nil {
		_ = t.shared.forget(ctx, t.key(), tok)
	}
}

func (t *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	resp, err := larkcore.Request(ctx, &larkcore.ApiReq{
		HttpMethod:                http.MethodPost,
		ApiPath:                   larkcore.TenantAccessTokenInternalUrlPath,
		Body:                      &larkcore.SelfBuiltTenantAccessTokenReq{AppID: t.lark.AppId, AppSecret: t.lark.AppSecret},
		SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeNone},
	}, t.lark)
	if err != nil {
		return "", 0, classify("token", nil, nil, err)
	}
	var out larkcore.TenantAccessTokenResp
	if err := json.Unmarshal(resp.RawBody, &out); err != nil {
		return "", 0, &APIError{Op: "token", Status: resp.StatusCode, Msg: "undecodable token response", Err: err}
	}
	if out.Code != 0 || out.TenantAccessToken == "" || resp.StatusCode >= 300 {
		return "", 0, apiErrorFrom("token", resp, out.Code, out.Msg)
	}
	return out.TenantAccessToken, time.Duration(out.Expire)*time.Second - expiryDelta, nil
}

// redisTokenCache is a larkcore.Cache in Redis, so replicas share one token instead of each fetching.
// Client uses it through its own tokenSource rather than handing it to the SDK, whose token cache is
// process-global.
type redisTokenCache struct{ rdb redis.UniversalClient }

var _ larkcore.Cache = (*redisTokenCache)(nil)

const tokenKeyPrefix = "baton:lark:token:"

// Set stores value under key for ttl.
func (r *redisTokenCache) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
	defer cancel()
	if err := r.rdb.Set(ctx, tokenKeyPrefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("cache lark token: %w", err)
	}
	return nil
}

// Get returns the value under key, or "" (and no error) when there is none.
func (r *redisTokenCache) Get(ctx context.Context, key string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, tokenKeyPrefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cached lark token: %w", err)
	}
	return v, nil
}

var forgetScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// forget deletes key only while it still holds value, so a replica does not drop a newer token.
func (r *redisTokenCache) forget(ctx context.Context, key, value string) error {
	ctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
	defer cancel()
	if err := forgetScript.Run(ctx, r.rdb, []string{tokenKeyPrefix + key}, value).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("forget lark token: %w", err)
	}
	return nil
}
