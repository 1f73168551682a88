package tencentads

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
)

// PathToken is the OAuth call that trades a refresh token for a new access token: GET with client_id,
// client_secret, grant_type=refresh_token and refresh_token, answered with data.access_token and
// data.access_token_expires_in (86,400 s in the sample) and data.refresh_token_expires_in
// (https://developers.e.qq.com/v3.0/docs/api/oauth/token). It lives on the API host, outside /v3.0, and
// takes none of the global parameters ("OAuth 相关接口无需提供 access_token、timestamp、nonce 等通用请求参数").
// The answer carries no new refresh token; when one is given it replaces the stored one.
const PathToken = "/oauth/token"

// DefaultTokenCodes are the documented codes of an expired (11000) and an invalid (11002) access token
// (https://developers.e.qq.com/v3.0/docs/errors).
var DefaultTokenCodes = []int64{11000, 11002}

type tokenData struct {
	AccessToken           string `json:"access_token"`
	RefreshToken          string `json:"refresh_token"`
	AccessTokenExpiresIn  int64  `json:"access_token_expires_in"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// RefreshURL is the token call's address on the host of baseURL.
func RefreshURL(baseURL string) string {
	return platforms.HostURL(baseURL, DefaultBaseURL, PathToken)
}

// Refresher returns the RefreshFunc of an app (client_id and client_secret) calling tokenURL.
func Refresher(tokenURL string, clientID int64, secret string, caller *platforms.Caller) platforms.RefreshFunc {
	if caller == nil {
		caller = platforms.NewCaller(0, 0)
	}
	return func(ctx context.Context, refreshToken string, now time.Time) (crm.PlatformToken, error) {
		q := url.Values{"client_id": {strconv.FormatInt(clientID, 10)}, "client_secret": {secret},
			"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
		var env envelope[tokenData]
		err := caller.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			return platforms.JSONRequest(ctx, http.MethodGet, tokenURL+"?"+q.Encode(), nil, nil)
		}, &env)
		if err != nil {
			return crm.PlatformToken{}, platforms.SafeError(err)
		}
		if env.Code != 0 || env.Data.AccessToken == "" {
			return crm.PlatformToken{}, &platforms.APIError{Code: env.Code, Message: env.Message}
		}
		// refresh_token_expires_in is the remaining life of the refresh token, new or kept.
		d := env.Data
		return platforms.OAuthAnswer{Access: d.AccessToken, Refresh: d.RefreshToken, AccessIn: d.AccessTokenExpiresIn,
			RefreshIn: d.RefreshTokenExpiresIn}.Token(now), nil
	}
}
