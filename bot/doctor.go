package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

// The calls below serve `baton doctor` and `baton lark ids`: what an admin needs to know about the app in
// Lark, asked once, outside the paced hot path.

// Lark codes the setup checks recognise.
const (
	// CodeAppNotExist and CodeAppSecretInvalid answer a token request with a wrong app id or secret.
	CodeAppNotExist      = 10014
	CodeAppSecretInvalid = 10015
	// CodeNoScope: the app lacks a scope the API requires; the message names it.
	// https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code
	CodeNoScope = 99991672
	// CodeNoUserAuthority: the user is outside the app's contact range (通讯录权限范围).
	CodeNoUserAuthority = 41050
	// CodeBotNotInChat: the bot is not a member of the chat.
	CodeBotNotInChat = 230002
	// CodeBotAbilityOff: the app has no bot ability (机器人能力) enabled in a published version.
	CodeBotAbilityOff = 230006
)

// BotStatus is the bot's identity and activation as GET /open-apis/bot/v3/info reports it.
type BotStatus struct {
	OpenID  string
	AppName string
	// Activated is activate_status 2: bot ability on in a published version. Other values are 0
	// (initialised), 1 (deactivated by the admin), 3 (stopped), 4 (not yet released).
	Activated bool
	Status    int
}

// BotStatus asks Lark who the bot is and whether its bot ability is on, uncached, for setup checks.
// bot/v3/info has no generated SDK method and answers under "bot", not "data".
func (c *Client) BotStatus(ctx context.Context) (BotStatus, error) {
	var out struct {
		Bot struct {
			OpenID         string `json:"open_id"`
			AppName        string `json:"app_name"`
			ActivateStatus int    `json:"activate_status"`
		} `json:"bot"`
	}
	err := c.do(ctx, call{op: "bot_info", keys: c.rateKeys("bot_info")},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			return c.raw(ctx, http.MethodGet, "/open-apis/bot/v3/info", nil, &out, tok)
		})
	if err != nil {
		return BotStatus{}, err
	}
	return BotStatus{OpenID: out.Bot.OpenID, AppName: out.Bot.AppName, Activated: out.Bot.ActivateStatus == 2,
		Status: out.Bot.ActivateStatus}, nil
}

// GrantedScopes returns the scopes the tenant has granted the app, from GET /open-apis/application/v6/scopes
// (查询租户授权状态: grant_status 1 granted, 2 not granted).
// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/application-v6/scope/list
func (c *Client) GrantedScopes(ctx context.Context) (map[string]bool, error) {
	var out struct {
		Data struct {
			Scopes []struct {
				Name   string `json:"scope_name"`
				Status int    `json:"grant_status"`
			} `json:"scopes"`
		} `json:"data"`
	}
	err := c.do(ctx, call{op: "scopes", keys: c.rateKeys("scopes")},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			return c.raw(ctx, http.MethodGet, "/open-apis/application/v6/scopes", nil, &out, tok)
		})
	if err != nil {
		return nil, err
	}
	granted := make(map[string]bool, len(out.Data.Scopes))
	for _, s := range out.Data.Scopes {
		granted[s.Name] = s.Status == 1
	}
	return granted, nil
}

// CheckLongConnection asks Lark for a long-connection endpoint as the SDK's websocket client does
// (POST /callback/ws/endpoint with the app's credentials) and opens it once. It proves the app may use
// long-connection mode and that the network lets the connection through; it closes the connection at once.
func CheckLongConnection(ctx context.Context, appID, appSecret, baseURL string) error {
	if baseURL == "" {
		baseURL = FeishuBaseURL
	}
	body, _ := json.Marshal(map[string]string{"AppID": appID, "AppSecret": appSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/callback/ws/endpoint", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("locale", "zh")
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("long connection endpoint: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			URL string `json:"URL"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("long connection endpoint: http %d: %w", resp.StatusCode, err)
	}
	if out.Code != 0 || out.Data.URL == "" {
		return &APIError{Op: "ws_endpoint", Status: resp.StatusCode, Code: out.Code, Msg: out.Msg}
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, hresp, err := d.DialContext(ctx, out.Data.URL, nil)
	if err != nil {
		if hresp != nil {
			return fmt.Errorf("long connection handshake: http %d %s", hresp.StatusCode, hresp.Header.Get("Handshake-Msg"))
		}
		return fmt.Errorf("long connection handshake: %w", err)
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(time.Second))
	return conn.Close()
}

// Code returns the Lark code of err, or 0 when err is not a Lark answer.
func Code(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
