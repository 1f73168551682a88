package oceanengine

import (
	"context"
	"net/http"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
)

// PathRefreshToken is the OAuth call that trades a refresh token for a new pair: POST with a JSON body of
// app_id, secret and refresh_token (Ocean Engine's official SDK, generated from the API specification:
// https://github.com/oceanengine/ad_open_sdk_go api/api_oauth2_refresh_token.go; answer fields
// access_token, expires_in, refresh_token, refresh_token_expires_in as in
// https://github.com/bububa/oceanengine marketing-api/model/oauth/access_token.go). The old refresh token
// is void once spent ("刷新后会过期，请及时保存最新的token").
const PathRefreshToken = "/open_api/oauth2/refresh_token/"

// DefaultTokenCodes are the codes taken to mean "access token expired or invalid". Ocean Engine's code table
// is behind a developer login, so these are not from a public page: set token_codes in baton.yaml to the
// codes your account sees (see the README).
var DefaultTokenCodes = []int64{40102, 40105}

// RefreshRequest is the body of the refresh call.
type RefreshRequest struct {
	AppID        int64  `json:"app_id"`
	Secret       string `json:"secret"`
	GrantType    string `json:"grant_type"`
	RefreshToken string `json:"refresh_token"`
}

type refreshData struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// RefreshURL is the refresh call's address on the Marketing API host of baseURL.
func RefreshURL(baseURL string) string {
	return platforms.HostURL(baseURL, DefaultBaseURL, PathRefreshToken)
}

// Refresher returns the RefreshFunc of an app: tokenURL is RefreshURL's (or a configured) address.
func Refresher(tokenURL string, appID int64, secret string, caller *platforms.Caller) platforms.RefreshFunc {
	if caller == nil {
		caller = platforms.NewCaller(0, 0)
	}
	return func(ctx context.Context, refreshToken string, now time.Time) (crm.PlatformToken, error) {
		body := RefreshRequest{AppID: appID, Secret: secret, GrantType: "refresh_token", RefreshToken: refreshToken}
		var env envelope[refreshData]
		err := caller.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			return platforms.JSONRequest(ctx, http.MethodPost, tokenURL, body, nil)
		}, &env)
		if err != nil {
			return crm.PlatformToken{}, platforms.SafeError(err)
		}
		if env.Code != 0 || env.Data.AccessToken == "" {
			return crm.PlatformToken{}, &platforms.APIError{Code: env.Code, Message: env.Message}
		}
		d := env.Data
		return platforms.OAuthAnswer{Access: d.AccessToken, Refresh: d.RefreshToken, AccessIn: d.ExpiresIn,
			RefreshIn: d.RefreshTokenExpiresIn}.Token(now), nil
	}
}
