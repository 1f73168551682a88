package larktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

func TestMissingScopeAnswers99991672(t *testing.T) {
	s := newServer(t, Config{})
	ann, _, group := seed(s)
	c := newSDK(t, s)

	// Any one listed scope unlocks an API: dropping im:message keeps sends working through send_as_bot.
	s.RevokeScope("im:message")
	if r := c.send(t, group, "text", `{"text":"hi"}`, ""); !r.Success() {
		t.Fatalf("send with im:message:send_as_bot only: code %d msg %s", r.Code, r.Msg)
	}
	s.RevokeScope("im:message:send_as_bot")
	resp, m := c.raw(t, http.MethodPost, "/open-apis/im/v1/messages?receive_id_type=chat_id",
		map[string]any{"receive_id": group, "msg_type": "text", "content": `{"text":"hi"}`})
	msg, _ := m["msg"].(string)
	if m["code"] != float64(CodeScopeMissing) || resp.StatusCode != http.StatusBadRequest ||
		!strings.HasPrefix(msg, "Access denied. One of the following scopes is required: [im:message, im:message:send_as_bot, im:message:send].") ||
		!strings.Contains(msg, "https://open.feishu.cn/app/"+s.Config().AppID+"/auth?q=im:message,im:message:send_as_bot,im:message:send") {
		t.Fatalf("send without scope: status %d body %v", resp.StatusCode, m)
	}
	violations, _ := m["error"].(map[string]any)["permission_violations"].([]any)
	if len(violations) != 3 || violations[0].(map[string]any)["subject"] != "im:message" {
		t.Fatalf("permission_violations = %v", violations)
	}
	if n := len(s.Messages(group)); n != 1 {
		t.Fatalf("%d messages stored; the refused send must not store one", n)
	}

	// Contact: without contact:user.base:readonly the user comes back without a name.
	s.RevokeScope(ScopeUserName)
	_, m = c.raw(t, http.MethodGet, "/open-apis/contact/v3/users/"+ann, nil)
	if u := m["data"].(map[string]any)["user"].(map[string]any); u["name"] != "" || u["open_id"] != ann {
		t.Fatalf("user without the name scope = %v", u)
	}
	s.SetScopes()
	_, m = c.raw(t, http.MethodGet, "/open-apis/contact/v3/users/"+ann, nil)
	if m["code"] != float64(CodeScopeMissing) || !strings.Contains(m["msg"].(string), "contact:contact.base:readonly") {
		t.Fatalf("user without any contact scope = %v", m)
	}
	// The bot info and token endpoints need no scope.
	if _, m = c.raw(t, http.MethodGet, "/open-apis/bot/v3/info", nil); m["code"] != float64(0) {
		t.Fatalf("bot info without scopes = %v", m)
	}
}

func TestScopeList(t *testing.T) {
	s := newServer(t, Config{})
	c := newSDK(t, s)
	s.SetScopes("im:message", "custom:scope")
	_, m := c.raw(t, http.MethodGet, "/open-apis/application/v6/scopes", nil)
	status := map[string]float64{}
	for _, x := range m["data"].(map[string]any)["scopes"].([]any) {
		sc := x.(map[string]any)
		if sc["scope_type"] != "tenant" {
			t.Fatalf("scope %v", sc)
		}
		status[sc["scope_name"].(string)] = sc["grant_status"].(float64)
	}
	if status["im:message"] != 1 || status["custom:scope"] != 1 || status["im:chat:readonly"] != 0 ||
		status[ScopeUserName] != 0 {
		t.Fatalf("grant status = %v", status)
	}
	if got := s.Scopes(); len(got) != 2 || got[0] != "custom:scope" {
		t.Fatalf("Scopes() = %v", got)
	}
}

func TestBotAbilityAndMembership(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	c := newSDK(t, s)

	s.SetBotActivated(false)
	if r := c.send(t, group, "text", `{"text":"hi"}`, ""); r.Code != CodeBotNotActivated {
		t.Fatalf("send with the bot ability off: code %d msg %s", r.Code, r.Msg)
	}
	_, m := c.raw(t, http.MethodGet, "/open-apis/bot/v3/info", nil)
	if st := m["bot"].(map[string]any)["activate_status"]; st != float64(0) {
		t.Fatalf("activate_status with the bot ability off = %v", st)
	}
	s.SetBotActivated(true)
	if r := c.send(t, group, "text", `{"text":"hi"}`, ""); !r.Success() {
		t.Fatalf("send with the bot ability back on: code %d", r.Code)
	}

	if !s.RemoveBotFromChat(group) {
		t.Fatal("RemoveBotFromChat: unknown chat")
	}
	if r := c.send(t, group, "text", `{"text":"hi"}`, ""); r.Code != CodeBotNotInChat {
		t.Fatalf("send to a chat without the bot: code %d", r.Code)
	}
	s.SetBotInChat(group, true)
	if r := c.send(t, group, "text", `{"text":"hi"}`, ""); !r.Success() {
		t.Fatalf("send after the bot rejoined: code %d", r.Code)
	}
	if s.SetBotInChat("oc_nope", true) {
		t.Fatal("SetBotInChat accepted an unknown chat")
	}
}

func TestContactRange(t *testing.T) {
	s := newServer(t, Config{})
	ann, bob, _ := seed(s)
	c := newSDK(t, s)
	get := func(id string) map[string]any {
		_, m := c.raw(t, http.MethodGet, "/open-apis/contact/v3/users/"+id, nil)
		return m
	}
	s.HideUser(ann)
	if m := get(ann); m["code"] != float64(CodeNoUserAuthority) || m["msg"] != "no user authority error" {
		t.Fatalf("user outside the contact range = %v", m)
	}
	if m := get(bob); m["code"] != float64(0) {
		t.Fatalf("user inside the range = %v", m)
	}

	// The control API toggles the range per user.
	_, out := rawHTTP(t, s, http.MethodPost, "/__emu/access", "", `{"open_id":"`+ann+`","in_contact_range":true}`)
	if out["bot_activated"] != true {
		t.Fatalf("control answer = %v", out)
	}
	if m := get(ann); m["code"] != float64(0) {
		t.Fatalf("user back in range = %v", m)
	}
	resp, _ := rawHTTP(t, s, http.MethodPost, "/__emu/access", "", `{"open_id":"ou_nobody","in_contact_range":false}`)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: status %d", resp.StatusCode)
	}
}

func TestFourteenDayWindow(t *testing.T) {
	cfg := secure
	cfg.TokenExpire = time.Minute // the SDK then fetches a token per call, so the jump in time does not expire it
	s := newServer(t, cfg)
	ann, _, group := seed(s)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return start })
	b := &fakeBot{answer: func(*callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse { return nil }}
	serveWebhook(t, s, b)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, formCard()), "").Data.MessageId
	patch := func() (int, string) {
		resp, err := c.im.Message.Patch(context.Background(), larkim.NewPatchMessageReqBuilder().MessageId(id).
			Body(larkim.NewPatchMessageReqBodyBuilder().Content(mustJSON(t, card())).Build()).Build())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Code, resp.Msg
	}

	s.Advance(14*24*time.Hour - time.Minute)
	if _, err := s.Click(ctxT(t), id, "claim", ann); err != nil {
		t.Fatalf("click on day 14: %v", err)
	}
	if code, _ := patch(); code != 0 {
		t.Fatalf("patch on day 14: code %d", code)
	}

	s.Advance(2 * time.Minute)
	delivered := len(s.Deliveries())
	_, err := s.Click(ctxT(t), id, "claim", ann)
	if !errors.Is(err, ErrCardExpired) {
		t.Fatalf("click after 14 days: %v", err)
	}
	if n := len(s.Deliveries()); n != delivered {
		t.Fatalf("an expired click reached the bot (%d deliveries, want %d)", n, delivered)
	}
	if code, msg := patch(); code != CodeMessageTooOld ||
		msg != "Message has expired when updating message, ext=Message can only be updated within fourteen days." {
		t.Fatalf("patch after 14 days: code %d msg %q", code, msg)
	}
}
