package larktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

func TestTokenEndpoint(t *testing.T) {
	s := newServer(t, Config{})
	path := "/open-apis/auth/v3/tenant_access_token/internal"
	_, m := rawHTTP(t, s, "POST", path, "", `{"app_id":"cli_other","app_secret":"x"}`)
	if m["code"] != float64(CodeAppNotExist) {
		t.Errorf("unknown app: %v", m)
	}
	_, m = rawHTTP(t, s, "POST", path, "", `{"app_id":"`+s.Config().AppID+`","app_secret":"wrong"}`)
	if m["code"] != float64(CodeAppSecretInvalid) {
		t.Errorf("wrong secret: %v", m)
	}
	first, second := token(t, s), token(t, s)
	if first != second {
		t.Errorf("a fresh token should be reused while more than 30 min remain: %s then %s", first, second)
	}
	_, m = rawHTTP(t, s, "POST", path, "", `{"app_id":"`+s.Config().AppID+`","app_secret":"`+s.Config().AppSecret+`"}`)
	if exp, _ := m["expire"].(float64); exp < 7190 || exp > 7200 || m["msg"] != "ok" {
		t.Errorf("token response = %v", m)
	}

	short := newServer(t, Config{TokenExpire: time.Minute})
	if token(t, short) == token(t, short) {
		t.Error("with a 1 min lifetime every request should get a new token")
	}
}

func TestStrictAuth(t *testing.T) {
	s := newServer(t, Config{})
	for _, tok := range []string{"", "t-forged", "u-123"} {
		resp, m := rawHTTP(t, s, "GET", "/open-apis/bot/v3/info", tok, "")
		if m["code"] != float64(CodeInvalidToken) || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || resp.Header.Get("X-Tt-Logid") == "" {
			t.Errorf("token %q: status %d headers %v body %v", tok, resp.StatusCode, resp.Header, m)
		}
	}
	_, m := rawHTTP(t, s, "GET", "/open-apis/bot/v3/info", token(t, s), "")
	bot, _ := m["bot"].(map[string]any)
	if m["code"] != float64(0) || bot["open_id"] != "ou_bot" || bot["app_name"] != "Baton" {
		t.Fatalf("bot info = %v", m)
	}

	// A revoked token stays in the SDK's cache: the SDK retries once with the same token and gives up.
	_, _, group := seed(s)
	c := newSDK(t, s)
	if r := c.send(t, group, "text", `{"text":"a"}`, ""); !r.Success() {
		t.Fatalf("send: %d %s", r.Code, r.Msg)
	}
	s.RevokeTokens()
	before := len(s.Calls())
	if r := c.send(t, group, "text", `{"text":"b"}`, ""); r.Code != CodeInvalidToken {
		t.Fatalf("send with revoked token: code %d", r.Code)
	}
	if got := len(s.Calls()) - before; got != 2 {
		t.Fatalf("SDK made %d calls after revocation, want its one retry (2)", got)
	}
}

func TestTokenFromAnotherEmulatorOfTheSameApp(t *testing.T) {
	appID := "cli_" + randHex(8)
	a := newServer(t, Config{AppID: appID})
	b := newServer(t, Config{AppID: appID})
	other := newServer(t, Config{})
	tok := token(t, a)
	if _, m := rawHTTP(t, b, "GET", "/open-apis/bot/v3/info", tok, ""); m["code"] != float64(0) {
		t.Errorf("same app, other emulator: %v", m)
	}
	if _, m := rawHTTP(t, other, "GET", "/open-apis/bot/v3/info", tok, ""); m["code"] != float64(CodeInvalidToken) {
		t.Errorf("other app accepted the token: %v", m)
	}
}

func TestRateLimits(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	other := s.AddGroup("Other", "ou_ann")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.EnforceRateLimits(true)
	c := newSDK(t, s)

	for i := range 5 {
		if r := c.send(t, group, "text", `{"text":"x"}`, ""); !r.Success() {
			t.Fatalf("send %d: %d %s", i, r.Code, r.Msg)
		}
	}
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); r.Code != CodeIMRateLimited {
		t.Fatalf("6th send to one chat in a second: code %d", r.Code)
	}
	if r := c.send(t, other, "text", `{"text":"x"}`, ""); !r.Success() {
		t.Fatalf("another chat is limited separately: %d", r.Code)
	}
	now = now.Add(time.Second)
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); !r.Success() {
		t.Fatalf("after a second the chat is free again: %d", r.Code)
	}

	// Per API: 50 calls a second of bot/v3/info; the sends above count against the send API only.
	tok := token(t, s)
	var resp *http.Response
	var m map[string]any
	for range 51 {
		resp, m = rawHTTP(t, s, "GET", "/open-apis/bot/v3/info", tok, "")
		if m["code"] != float64(0) {
			break
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests || m["code"] != float64(CodeRateLimited) ||
		resp.Header.Get("X-Ogw-Ratelimit-Limit") != "50" || resp.Header.Get("X-Ogw-Ratelimit-Reset") != "1" {
		t.Fatalf("app limit: status %d headers %v body %v", resp.StatusCode, resp.Header, m)
	}
	if got := s.RateLimited(); got != 2 {
		t.Fatalf("RateLimited() = %d, want 2", got)
	}

	// Another API keeps its own budget.
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); !r.Success() {
		t.Fatalf("send after bot info hit its limit: %d %s", r.Code, r.Msg)
	}
}

func TestPerMessageUpdateLimit(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.EnforceRateLimits(true)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, card()), "").Data.MessageId
	var codes []int
	for range 6 {
		resp, err := c.im.Message.Patch(context.Background(), larkim.NewPatchMessageReqBuilder().MessageId(id).
			Body(larkim.NewPatchMessageReqBodyBuilder().Content(mustJSON(t, card())).Build()).Build())
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.Code)
	}
	if codes[4] != 0 || codes[5] != CodeIMRateLimited {
		t.Fatalf("patch codes = %v", codes)
	}
}

func TestFaultInjection(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	c := newSDK(t, s)
	s.FailNext(RouteCreateMessage, 2, http.StatusInternalServerError, 230001)
	for i := range 2 {
		if r := c.send(t, group, "text", `{"text":"x"}`, ""); r.StatusCode != 500 || r.Code != 230001 {
			t.Fatalf("faulted call %d: status %d code %d", i, r.StatusCode, r.Code)
		}
	}
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); !r.Success() {
		t.Fatalf("after the faults: %d", r.Code)
	}

	s.FailNext(RouteCreateMessage, 1, http.StatusGatewayTimeout, 0)
	_, err := c.im.Message.Create(context.Background(), larkim.NewCreateMessageReqBuilder().ReceiveIdType("chat_id").
		Body(larkim.NewCreateMessageReqBodyBuilder().ReceiveId(group).MsgType("text").Content(`{"text":"x"}`).Build()).Build())
	var timeout *larkcore.ServerTimeoutError
	if !errors.As(err, &timeout) {
		t.Fatalf("504 should be the SDK's ServerTimeoutError, got %v", err)
	}

	// An injected token failure is retried once by the SDK with the same token, which then succeeds.
	s.FailNext(RouteAny, 1, http.StatusBadRequest, CodeInvalidToken)
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); !r.Success() {
		t.Fatalf("SDK retry after one 99991663: %d", r.Code)
	}
	if got := len(s.Messages(group)); got != 2 {
		t.Fatalf("%d messages stored, want 2", got)
	}
	calls := s.Calls()
	last := calls[len(calls)-1]
	if last.Route != RouteCreateMessage || last.ChatID != group || last.MessageID == "" || last.Status != 200 {
		t.Fatalf("last call = %+v", last)
	}
}

func TestLatency(t *testing.T) {
	s := newServer(t, Config{})
	tok := token(t, s)
	s.SetLatency(150 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/open-apis/bot/v3/info", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a client with a shorter deadline should time out, got %v", err)
	}
}

func TestUnknownRouteFailsLoudly(t *testing.T) {
	s := newServer(t, Config{})
	resp, m := rawHTTP(t, s, "POST", "/open-apis/im/v1/images", token(t, s), "{}")
	if resp.StatusCode != 404 || m["code"] != float64(CodeUnknownRoute) {
		t.Fatalf("unknown route: %d %v", resp.StatusCode, m)
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; last.Path != "/open-apis/im/v1/images" || last.Status != 404 || last.Route != "" {
		t.Fatalf("unknown route call = %+v", last)
	}
}

func TestNewUnstartedOnOwnAddress(t *testing.T) {
	s := NewUnstarted(Config{AppID: "cli_" + randHex(8)})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q", s.URL())
	}
	if _, m := rawHTTP(t, s, "GET", "/open-apis/bot/v3/info", token(t, s), ""); m["code"] != float64(0) {
		t.Fatalf("bot info over the real listener: %v", m)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	s := newServer(t, Config{})
	s.mu.Lock()
	for range maxHistory + 1 {
		s.st.calls = append(s.st.calls, Call{Path: "/x"})
	}
	s.st.calls[len(s.st.calls)-1].Path = "/newest"
	s.changedLocked()
	s.mu.Unlock()
	calls := s.Calls()
	if len(calls) != maxHistory/2 || calls[len(calls)-1].Path != "/newest" {
		t.Fatalf("after trimming: %d calls, newest %q", len(calls), calls[len(calls)-1].Path)
	}
}
