package larktest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

var secure = Config{VerificationToken: "vt_test", EncryptKey: "ek_test_key"}

func TestEncryptedTextEventReachesSDKDispatcher(t *testing.T) {
	s := newServer(t, secure)
	ann, bob, group := seed(s)
	b := &fakeBot{}
	serveWebhook(t, s, b)

	d, err := s.SendText(ctxT(t), group, ann, "@bot claim lead 42 for @ou_bob, please")
	if err != nil {
		t.Fatalf("send text: %v (delivery %+v)", err, d)
	}
	if d.Status != 200 || !strings.Contains(string(d.Body), "success") {
		t.Fatalf("delivery = %d %s", d.Status, d.Body)
	}
	if len(b.messages) != 1 {
		t.Fatalf("bot got %d messages", len(b.messages))
	}
	e := b.messages[0]
	msg := e.Event.Message
	if *e.Event.Sender.SenderId.OpenId != ann || *msg.ChatId != group || *msg.ChatType != "group" || *msg.MessageType != "text" {
		t.Fatalf("event = sender %s chat %s type %s/%s", *e.Event.Sender.SenderId.OpenId, *msg.ChatId, *msg.ChatType, *msg.MessageType)
	}
	if *msg.Content != `{"text":"@_user_1 claim lead 42 for @_user_2, please"}` {
		t.Fatalf("content = %s", *msg.Content)
	}
	if len(msg.Mentions) != 2 || *msg.Mentions[0].Key != "@_user_1" || *msg.Mentions[0].Id.OpenId != "ou_bot" ||
		*msg.Mentions[1].Id.OpenId != bob || *msg.Mentions[1].Name != "Bob" {
		t.Fatalf("mentions = %+v", msg.Mentions)
	}
	if e.EventV2Base.Header.EventID != d.EventID || e.EventV2Base.Header.Token != "vt_test" {
		t.Fatalf("header = %+v", e.EventV2Base.Header)
	}
	stored := s.Messages(group)
	if len(stored) != 1 || stored[0].Sender != ann || stored[0].ID != *msg.MessageId {
		t.Fatalf("stored = %+v", stored)
	}

	// Lark's retry resends the same event id.
	again, err := s.Redeliver(ctxT(t), d.EventID)
	if err != nil || again.EventID != d.EventID || len(b.messages) != 2 || *b.messages[1].Event.Message.MessageId != *msg.MessageId {
		t.Fatalf("redeliver: %v %+v", err, again)
	}
	if got := len(s.Deliveries()); got != 2 {
		t.Fatalf("%d deliveries recorded", got)
	}
}

func TestTamperedEventRejected(t *testing.T) {
	s := newServer(t, secure)
	b := &fakeBot{}
	serveWebhook(t, s, b)
	s.mu.Lock()
	url := s.st.webhook
	s.mu.Unlock()

	body, header, _ := s.BuildRequest("im.message.receive_v1", map[string]any{"message": map[string]any{"message_id": "om_x"}})
	status, _, err := postWebhook(ctxT(t), url, body, header)
	if err != nil || status != http.StatusOK {
		t.Fatalf("untampered: %d %v", status, err)
	}
	// A different (validly encrypted) body under the first request's signature.
	tampered, _, _ := s.BuildRequest("im.message.receive_v1", map[string]any{"message": map[string]any{"message_id": "om_evil"}})
	status, resp, err := postWebhook(ctxT(t), url, tampered, header)
	if err != nil || status != http.StatusInternalServerError || !strings.Contains(string(resp), "signature verification failed") {
		t.Fatalf("tampered body: %d %s %v", status, resp, err)
	}
	header.Set("X-Lark-Signature", strings.Repeat("0", 64))
	if status, _, _ := postWebhook(ctxT(t), url, body, header); status != http.StatusInternalServerError {
		t.Fatalf("forged signature accepted: %d", status)
	}
	if len(b.messages) != 1 {
		t.Fatalf("bot handled %d messages, want only the untampered one", len(b.messages))
	}
}

func TestMenuBotAddedAndVerification(t *testing.T) {
	s := newServer(t, secure)
	ann, _, _ := seed(s)
	out := s.AddGroup("New team", ann)
	s.AddChat(Chat{ChatID: out, Name: "New team", Members: []string{ann}, BotOut: true})
	b := &fakeBot{}
	serveWebhook(t, s, b)

	if _, err := s.VerifyURL(ctxT(t)); err != nil {
		t.Fatalf("url verification: %v", err)
	}
	if _, err := s.SendMenu(ctxT(t), ann, "weekly_digest"); err != nil {
		t.Fatal(err)
	}
	if len(b.menus) != 1 || *b.menus[0].Event.EventKey != "weekly_digest" || *b.menus[0].Event.Operator.OperatorId.OpenId != ann ||
		b.menus[0].Event.Timestamp == nil {
		t.Fatalf("menus = %+v", b.menus)
	}
	if _, err := s.SendText(ctxT(t), out, ann, "hello"); err == nil {
		t.Fatal("a chat without the bot delivered a message to it")
	}
	if _, err := s.AddBot(ctxT(t), out, ann); err != nil {
		t.Fatal(err)
	}
	if len(b.added) != 1 || *b.added[0].Event.ChatId != out {
		t.Fatalf("bot added events = %+v", b.added)
	}
	if _, err := s.SendText(ctxT(t), out, ann, "hello"); err != nil {
		t.Fatalf("after AddBot: %v", err)
	}
}

func TestPlaintextWhenNoEncryptKey(t *testing.T) {
	s := newServer(t, Config{})
	body, header, id := s.BuildRequest("x.y", map[string]any{"k": 1})
	if !bytes.Contains(body, []byte(`"event_id":"`+id+`"`)) || !bytes.Contains(body, []byte(`"create_time":"`)) {
		t.Fatalf("plaintext body = %s", body)
	}
	if header.Get("X-Lark-Signature") != signEvent(header.Get("X-Lark-Request-Timestamp"), header.Get("X-Lark-Request-Nonce"), "", body) {
		t.Fatal("signature does not cover the body")
	}
	if _, err := s.SendEvent(ctxT(t), "x.y", nil); err != ErrNoReceiver {
		t.Fatalf("no receiver: %v", err)
	}
}
