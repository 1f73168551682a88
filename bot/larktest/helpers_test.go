package larktest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// sdk is the Lark SDK assembled the way its client.go does, without the root package.
type sdk struct {
	cfg *larkcore.Config
	im  *larkim.V1
}

// newServer starts an emulator with an app id unique to the test: the SDK's token cache is process-global
// and keyed by app id only.
func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.AppID == "" {
		cfg.AppID = "cli_" + randHex(8)
	}
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

func newSDK(t testing.TB, s *Server) *sdk {
	t.Helper()
	cfg := &larkcore.Config{
		BaseUrl:          s.URL(),
		AppId:            s.Config().AppID,
		AppSecret:        s.Config().AppSecret,
		EnableTokenCache: true,
		AppType:          larkcore.AppTypeSelfBuilt,
		ReqTimeout:       5 * time.Second,
		LogLevel:         larkcore.LogLevelError,
	}
	larkcore.NewLogger(cfg)
	larkcore.NewCache(cfg)
	larkcore.NewSerialization(cfg)
	larkcore.NewHttpClient(cfg)
	return &sdk{cfg: cfg, im: larkim.New(cfg)}
}

// raw calls an endpoint that has no generated SDK method.
func (c *sdk) raw(t *testing.T, method, path string, body any) (*larkcore.ApiResp, map[string]any) {
	t.Helper()
	resp, err := larkcore.Request(context.Background(), &larkcore.ApiReq{
		HttpMethod: method, ApiPath: path, Body: body,
		SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeTenant},
	}, c.cfg)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(resp.RawBody, &m); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, resp.RawBody, err)
	}
	return resp, m
}

func (c *sdk) send(t *testing.T, chatID, msgType, content, uuid string) *larkim.CreateMessageResp {
	t.Helper()
	b := larkim.NewCreateMessageReqBodyBuilder().ReceiveId(chatID).MsgType(msgType).Content(content)
	if uuid != "" {
		b.Uuid(uuid)
	}
	resp, err := c.im.Message.Create(context.Background(), larkim.NewCreateMessageReqBuilder().
		ReceiveIdType(larkim.CreateMessageV1ReceiveIDTypeChatId).Body(b.Build()).Build())
	if err != nil {
		t.Fatalf("create message: %v", err)
	}
	return resp
}

// card builds a minimal valid JSON 2.0 card with the given body elements.
func card(elements ...map[string]any) map[string]any {
	els := make([]any, len(elements))
	for i, e := range elements {
		els[i] = e
	}
	return map[string]any{
		"schema": "2.0",
		"config": map[string]any{"update_multi": true},
		"header": map[string]any{"title": map[string]any{"tag": "plain_text", "content": "Lead"}},
		"body":   map[string]any{"elements": els},
	}
}

func button(id, op string) map[string]any {
	return map[string]any{
		"tag": "button", "element_id": id, "text": map[string]any{"tag": "plain_text", "content": op},
		"behaviors": []any{map[string]any{"type": "callback", "value": map[string]any{"op": op, "lead_id": "42"}}},
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seed adds two users and a group with both and the bot.
func seed(s *Server) (ann, bob, group string) {
	s.AddUser(User{OpenID: "ou_ann", Name: "Ann", Email: "ann@example.com"})
	s.AddUser(User{OpenID: "ou_bob", Name: "Bob"})
	group = s.AddGroup("Sales", "ou_ann", "ou_bob")
	return "ou_ann", "ou_bob", group
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawHTTP calls the emulator without the SDK, for header-level assertions.
func rawHTTP(t *testing.T, s *Server, method, path, token, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp, m
}

// token fetches a tenant token directly.
func token(t *testing.T, s *Server) string {
	t.Helper()
	_, m := rawHTTP(t, s, "POST", "/open-apis/auth/v3/tenant_access_token/internal", "",
		`{"app_id":"`+s.Config().AppID+`","app_secret":"`+s.Config().AppSecret+`"}`)
	tok, _ := m["tenant_access_token"].(string)
	if !strings.HasPrefix(tok, "t-") {
		t.Fatalf("token response %v", m)
	}
	return tok
}
