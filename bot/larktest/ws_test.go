package larktest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"
)

func TestFrameCodecMatchesSDK(t *testing.T) {
	f := frame{SeqID: 7, LogID: 9, Service: 12345, Method: frameData,
		Headers: []frameHeader{{"type", "event"}, {"message_id", "m1"}}, Payload: []byte(`{"a":1}`), LogIDNew: "x"}
	var sdkFrame larkws.Frame
	if err := sdkFrame.Unmarshal(f.marshal()); err != nil {
		t.Fatalf("SDK cannot decode the emulator's frame: %v", err)
	}
	if sdkFrame.SeqID != 7 || sdkFrame.Service != 12345 || sdkFrame.Method != 1 || string(sdkFrame.Payload) != `{"a":1}` ||
		larkws.Headers(sdkFrame.Headers).GetString("message_id") != "m1" || sdkFrame.LogIDNew != "x" {
		t.Fatalf("SDK decoded %+v", sdkFrame)
	}
	back, err := sdkFrame.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, f.marshal()) {
		t.Fatalf("encodings differ:\nsdk %x\nemu %x", back, f.marshal())
	}
	ping := larkws.NewPingFrame(-3)
	pb, _ := ping.Marshal()
	var got frame
	if err := got.unmarshal(pb); err != nil || got.Service != -3 || got.header("type") != "ping" || got.Method != frameControl {
		t.Fatalf("decode SDK ping: %v %+v", err, got)
	}
	if err := got.unmarshal([]byte{0x08, 0x01}); err == nil {
		t.Fatal("a frame missing required fields decoded")
	}
}

func TestWebsocketMode(t *testing.T) {
	s := New(Config{AppID: "cli_" + randHex(8), VerificationToken: "vt", EncryptKey: "ek"})
	t.Cleanup(s.Close)
	ann, _, group := seed(s)
	b := &fakeBot{answer: func(r *callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse {
		return &callback.CardActionTriggerResponse{
			Toast: &callback.Toast{Type: "info", Content: "ok " + r.Action.Value["op"].(string)},
			Card:  &callback.Card{Type: "raw", Data: card(map[string]any{"tag": "markdown", "content": "via ws"})},
		}
	}}
	// Over the long connection events arrive in plaintext; the dispatcher is built without keys.
	cli := larkws.NewClient(s.Config().AppID, s.Config().AppSecret,
		larkws.WithEventHandler(b.dispatcher("", "")), larkws.WithDomain(s.URL()),
		larkws.WithLogLevel(larkcore.LogLevelError), larkws.WithAutoReconnect(false))
	go func() { _ = cli.Start(context.Background()) }() // Start blocks forever by design
	t.Cleanup(cli.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, func() bool { return s.WSClients() == 1 }); err != nil {
		t.Fatalf("the SDK client did not connect: %v", err)
	}
	s.SetWebhook("http://127.0.0.1:1/never-used")

	d, err := s.SendText(ctx, group, ann, "@Baton hi")
	if err != nil || d.Status != 200 {
		t.Fatalf("event over ws: %v %+v", err, d)
	}
	b.mu.Lock()
	n := len(b.messages)
	b.mu.Unlock()
	if n != 1 || !strings.Contains(*b.messages[0].Event.Message.Content, "@_user_1 hi") {
		t.Fatalf("bot got %d messages", n)
	}

	id := s.storeBotCard(t, group, formCard())
	res, err := s.Click(ctx, id, "btn_claim", ann)
	if err != nil {
		t.Fatalf("click over ws: %v", err)
	}
	if res.Toast == nil || res.Toast.Content != "ok claim" || !res.CardUpdated {
		t.Fatalf("click result = %+v", res)
	}
	if m, _ := s.Message(id); !strings.Contains(m.Content, "via ws") {
		t.Fatalf("card after ws click = %s", m.Content)
	}

	s.DisconnectWS()
	if err := s.WaitFor(ctx, func() bool { return s.WSClients() == 0 }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendText(ctx, group, ann, "hi again"); err == nil {
		t.Fatal("with no client and a dead webhook the delivery should fail")
	}
}

func TestWSEndpointRejectsBadCredentials(t *testing.T) {
	s := newServer(t, Config{})
	_, m := rawHTTP(t, s, "POST", "/callback/ws/endpoint", "", `{"AppID":"`+s.Config().AppID+`","AppSecret":"wrong"}`)
	if m["code"] != float64(CodeAppSecretInvalid) {
		t.Fatalf("bad secret: %v", m)
	}
	_, m = rawHTTP(t, s, "POST", "/callback/ws/endpoint", "", `{"AppID":"`+s.Config().AppID+`","AppSecret":"`+s.Config().AppSecret+`"}`)
	data, _ := m["data"].(map[string]any)
	url, _ := data["URL"].(string)
	cc, _ := data["ClientConfig"].(map[string]any)
	if !strings.HasPrefix(url, "ws://") || !strings.Contains(url, "device_id=") || len(cc) != 4 {
		t.Fatalf("endpoint = %v", m)
	}
}

// storeBotCard puts a card message from the bot straight into the store.
func (s *Server) storeBotCard(t *testing.T, chatID string, c map[string]any) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.st.now()
	m := &message{Message: Message{ID: newMessageID(), ChatID: chatID, MsgType: "interactive", Sender: "app",
		Content: mustJSON(t, c), CreatedAt: now, UpdatedAt: now}}
	s.storeLocked(m)
	return m.ID
}
