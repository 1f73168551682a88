package bot

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/crm"
)

// salesChat sets up users Ann and Bob in a group with the bot.
func salesChat(s *larktest.Server) string {
	s.AddUser(larktest.User{OpenID: "ou_ann", Name: "Ann"})
	s.AddUser(larktest.User{OpenID: "ou_bob", Name: "Bob"})
	return s.AddGroup("Sales", "ou_ann", "ou_bob")
}

func post(t *testing.T, url string, body []byte, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestWebhookDeliversMessagesWithMentionsResolved(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{}
	mountWebhook(t, s, IntakeConfig{Handler: rec, Dedup: &memDeduper{}})
	ctx := context.Background()

	d, err := s.SendText(ctx, chat, "ou_ann", "@bot /lead ACME please ask @ou_bob")
	if err != nil || d.Status != http.StatusOK {
		t.Fatalf("send text: status %d, %v", d.Status, err)
	}
	if _, err := s.SendText(ctx, s.P2PChatID("ou_bob"), "ou_bob", "/my"); err != nil {
		t.Fatalf("send DM: %v", err)
	}
	want := []Message{
		{ChatID: chat, ChatType: "group", SenderOpenID: "ou_ann", Text: "/lead ACME please ask @Bob",
			MessageType: "text", MentionsBot: true, Mentions: []Mention{{OpenID: "ou_bob", Name: "Bob"}}},
		{ChatID: s.P2PChatID("ou_bob"), ChatType: "p2p", SenderOpenID: "ou_bob", Text: "/my", MessageType: "text"},
	}
	rec.mu.Lock()
	got := rec.messages
	rec.mu.Unlock()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Message{}, "EventID", "MessageID", "CreatedAt")); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	for _, m := range got {
		if m.EventID == "" || !strings.HasPrefix(m.MessageID, "om_") || time.Since(m.CreatedAt) > time.Minute {
			t.Errorf("message ids/time not filled: %+v", m)
		}
	}
}

func TestWebhookActsOnceOnRedelivery(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{}
	mountWebhook(t, s, IntakeConfig{Handler: rec, Dedup: NewRedisDeduper(miniRedis(t))})
	ctx := context.Background()

	d, err := s.SendText(ctx, chat, "ou_ann", "@bot /pool")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		again, err := s.Redeliver(ctx, d.EventID)
		if err != nil || again.Status != http.StatusOK {
			t.Fatalf("redelivery: status %d, %v; want 200 so Lark stops retrying", again.Status, err)
		}
	}
	if n, _, _ := rec.counts(); n != 1 {
		t.Errorf("handler ran %d times for one event delivered three times, want 1", n)
	}
}

func TestWebhookRefusesForgedAndReplayedRequests(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{}
	var now time.Time
	url := mountWebhook(t, s, IntakeConfig{Handler: rec, Now: func() time.Time {
		if now.IsZero() {
			return time.Now()
		}
		return now
	}})
	event := map[string]any{
		"sender":  map[string]any{"sender_id": map[string]any{"open_id": "ou_ann"}, "sender_type": "user"},
		"message": map[string]any{"message_id": "om_x", "chat_id": chat, "chat_type": "group", "message_type": "text", "content": `{"text":"hi"}`},
	}
	body, header, _ := s.BuildRequest("im.message.receive_v1", event)

	tamperedBody := bytes.Replace(body, []byte(`":"`), []byte(`":"A`), 1)
	badSig := header.Clone()
	badSig.Set("X-Lark-Signature", strings.Repeat("0", 64))
	noTS := header.Clone()
	noTS.Del("X-Lark-Request-Timestamp")
	unsigned := header.Clone()
	unsigned.Del("X-Lark-Signature")
	for _, tc := range []struct {
		name   string
		body   []byte
		header http.Header
		want   int
	}{
		{"tampered body", tamperedBody, header, http.StatusUnauthorized},
		{"bad signature", body, badSig, http.StatusUnauthorized},
		{"missing timestamp", body, noTS, http.StatusUnauthorized},
		{"plaintext", []byte(`{"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1"},"event":{}}`), header, http.StatusBadRequest},
		{"malformed json", []byte(`{"encrypt":`), header, http.StatusBadRequest},
		{"unsigned event", body, unsigned, http.StatusUnauthorized},
		{"garbage ciphertext", []byte(`{"encrypt":"bm90IGEgY2lwaGVydGV4dCBhdCBhbGwh"}`), unsigned, http.StatusBadRequest},
	} {
		if got, body := post(t, url, tc.body, tc.header); got != tc.want {
			t.Errorf("%s: status %d (%s), want %d", tc.name, got, body, tc.want)
		}
	}

	// Same encrypt key, other verification token: signed and decryptable, still refused.
	other := larktest.New(larktest.Config{AppID: s.Config().AppID, VerificationToken: "someone-else", EncryptKey: testEncryptKey})
	defer other.Close()
	ob, oh, _ := other.BuildRequest("im.message.receive_v1", event)
	if got, _ := post(t, url, ob, oh); got != http.StatusUnauthorized {
		t.Errorf("wrong verification token: status %d, want 401", got)
	}
	other.SetWebhook(url)
	if d, err := other.VerifyURL(context.Background()); err == nil || d.Status != http.StatusUnauthorized {
		t.Errorf("url verification with a wrong token: status %d, err %v; want 401", d.Status, err)
	}

	// The genuine request is accepted now, and refused when replayed ten minutes later.
	now = time.Now().Add(10 * time.Minute)
	if got, _ := post(t, url, body, header); got != http.StatusUnauthorized {
		t.Errorf("replay after 10 minutes: status %d, want 401", got)
	}
	now = time.Time{}
	if got, resp := post(t, url, body, header); got != http.StatusOK {
		t.Errorf("genuine request: status %d (%s), want 200", got, resp)
	}
	if n, _, _ := rec.counts(); n != 1 {
		t.Errorf("handler ran %d times, want once (for the genuine request only)", n)
	}
}

func TestWebhookProtocolEdges(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{}
	url := mountWebhook(t, s, IntakeConfig{Handler: rec, MaxBody: 4096})
	ctx := context.Background()

	if d, err := s.VerifyURL(ctx); err != nil {
		t.Errorf("url verification: %v (status %d)", err, d.Status)
	}
	if d, err := s.SendEvent(ctx, "im.chat.updated_v1", map[string]any{"chat_id": chat}); err != nil || d.Status != http.StatusOK {
		t.Errorf("unknown event type: status %d, %v; want 200 and ignored", d.Status, err)
	}
	if d, err := s.AddBot(ctx, chat, "ou_ann"); err != nil || d.Status != http.StatusOK {
		t.Errorf("bot added (acknowledged, no action): status %d, %v", d.Status, err)
	}
	if n, a, m := rec.counts(); n+a+m != 0 {
		t.Errorf("ignored events reached the handler: %d messages, %d actions, %d menus", n, a, m)
	}
	if d, err := s.SendMenu(ctx, "ou_ann", "weekly_digest"); err != nil || d.Status != http.StatusOK {
		t.Errorf("menu: status %d, %v", d.Status, err)
	}
	rec.mu.Lock()
	menus := rec.menus
	rec.mu.Unlock()
	if len(menus) != 1 || menus[0].OperatorOpenID != "ou_ann" || menus[0].EventKey != "weekly_digest" || menus[0].EventID == "" {
		t.Errorf("menu events = %+v", menus)
	}

	big, header, _ := s.BuildRequest("im.message.receive_v1", map[string]any{"pad": strings.Repeat("x", 8192)})
	if got, _ := post(t, url, big, header); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", got)
	}

	// A string callback value makes the SDK fail to decode; Baton refuses it with a 4xx instead of a 500.
	body, header, _ := s.BuildRequest("card.action.trigger", map[string]any{
		"operator": map[string]any{"open_id": "ou_ann"}, "token": "c-1",
		"action":  map[string]any{"tag": "button", "value": "claim:42"},
		"context": map[string]any{"open_message_id": "om_1", "open_chat_id": chat},
	})
	if got, _ := post(t, url, body, header); got != http.StatusBadRequest {
		t.Errorf("string action value: status %d, want 400", got)
	}
	if _, n, _ := rec.counts(); n != 0 {
		t.Errorf("handler saw %d card actions, want 0", n)
	}

	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
}

func TestNewWebhookRequiresEncryptKey(t *testing.T) {
	t.Parallel()
	if _, err := NewWebhook(IntakeConfig{Handler: &recorder{}}); err == nil {
		t.Error("NewWebhook without an encrypt key succeeded")
	}
	if _, err := NewWebhook(IntakeConfig{EncryptKey: "k"}); err == nil {
		t.Error("NewWebhook without a handler succeeded")
	}
}

func TestCardClickRoundTrip(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{reply: func(a CardAction) (*CardResponse, error) {
		switch a.Value["op"] {
		case "claim":
			return &CardResponse{
				Toast: &Toast{Type: "success", ZH: "已认领", EN: "Claimed"},
				Card:  testCard("Owner: Ann", "release"),
			}, nil
		case "release":
			return nil, crm.Bilingual(crm.EFORBIDDEN, "只有负责人可以释放", "Only the owner can release")
		}
		return nil, errors.New("database is down")
	}}
	mountWebhook(t, s, IntakeConfig{Handler: rec, Dedup: &memDeduper{}})
	c := newTestClient(t, s, nil)
	ctx := context.Background()

	msgID, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("New lead", "claim")}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Click(ctx, msgID, "claim", "ou_ann")
	if err != nil {
		t.Fatalf("click: %v", err)
	}
	if res.Toast == nil || res.Toast.Type != "success" || res.Toast.I18n["en_us"] != "Claimed" || res.Toast.I18n["zh_cn"] != "已认领" {
		t.Errorf("toast = %+v", res.Toast)
	}
	if m, _ := s.Message(msgID); !res.CardUpdated || !contains(m.Content, "Owner: Ann") {
		t.Errorf("card updated = %v, content %s; want the returned card", res.CardUpdated, m.Content)
	}
	rec.mu.Lock()
	a := rec.actions[0]
	rec.mu.Unlock()
	if a.OperatorOpenID != "ou_ann" || a.MessageID != msgID || a.ChatID != chat || a.Tag != "button" ||
		!strings.HasPrefix(a.Token, "c-") || a.Value["lead"] != "42" || a.EventID == "" {
		t.Errorf("card action = %+v", a)
	}

	// A coded error becomes its own toast; the card stays.
	res, err = s.Click(ctx, msgID, "release", "ou_bob")
	if err != nil {
		t.Fatalf("click release: %v", err)
	}
	if res.Status != http.StatusOK || res.Toast == nil || res.Toast.Type != "error" ||
		res.Toast.I18n["en_us"] != "Only the owner can release" || res.CardUpdated {
		t.Errorf("refused click: status %d toast %+v updated %v", res.Status, res.Toast, res.CardUpdated)
	}

	// The click's token works for a delayed update after the answer.
	if err := c.UpdateByToken(ctx, a.Token, testCard("Owner: Ann (delayed)", "release")); err != nil {
		t.Fatalf("update by token: %v", err)
	}
	if m, _ := s.Message(msgID); !contains(m.Content, "(delayed)") {
		t.Errorf("after delayed update the card is %s", m.Content)
	}
}

func TestCardClickInternalErrorGivesGenericToast(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{reply: func(CardAction) (*CardResponse, error) { return nil, errors.New("pq: connection refused") }}
	mountWebhook(t, s, IntakeConfig{Handler: rec})
	c := newTestClient(t, s, nil)
	ctx := context.Background()
	msgID, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("New lead", "claim")}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Click(ctx, msgID, "claim", "ou_ann")
	if err != nil {
		t.Fatalf("click: %v", err)
	}
	en, _ := crm.ErrorMessage(errors.New("any"))
	if res.Status != http.StatusOK || res.Toast == nil || res.Toast.Type != "error" || res.Toast.I18n["en_us"] != en ||
		contains(res.Toast.Content, "pq:") {
		t.Errorf("internal error: status %d toast %+v; want 200 and the generic sentence", res.Status, res.Toast)
	}
}
