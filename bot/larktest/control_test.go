package larktest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
)

func postControl(t *testing.T, s *Server, path string, body any) map[string]any {
	t.Helper()
	resp, err := http.Post(s.URL()+path, "application/json", strings.NewReader(mustJSON(t, body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestControlAPI(t *testing.T) {
	s := newServer(t, secure)
	ann, _, group := seed(s)
	b := &fakeBot{answer: func(*callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse {
		return &callback.CardActionTriggerResponse{Toast: &callback.Toast{Type: "success", Content: "saved"}}
	}}
	serveWebhook(t, s, b)
	id := s.storeBotCard(t, group, formCard())

	// The event stream announces the current state at once, then every change.
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", s.URL()+"/__emu/events", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	lines := bufio.NewScanner(stream.Body)
	nextEvent := func() string {
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "event: ") {
				return lines.Text()
			}
		}
		t.Fatalf("event stream ended: %v", lines.Err())
		return ""
	}
	if ev := nextEvent(); ev != "event: change" {
		t.Fatalf("first event %q", ev)
	}

	sent := postControl(t, s, "/__emu/send", map[string]any{"chat_id": group, "open_id": ann, "text": "@bot hello"})
	if sent["status"] != float64(200) || sent["error"] != nil {
		t.Fatalf("send = %v", sent)
	}
	if ev := nextEvent(); ev != "event: change" {
		t.Fatalf("event after send %q", ev)
	}
	clicked := postControl(t, s, "/__emu/click", map[string]any{"message_id": id, "target": "submit", "open_id": ann,
		"form_value": map[string]any{"note": "from the console"}})
	if toast, _ := clicked["toast"].(map[string]any); toast["content"] != "saved" || clicked["error"] != nil {
		t.Fatalf("click = %v", clicked)
	}
	if got := b.lastAction(t).Action.FormValue["note"]; got != "from the console" {
		t.Fatalf("form value via console = %v", got)
	}
	bad := postControl(t, s, "/__emu/click", map[string]any{"message_id": id, "target": "missing", "open_id": ann})
	if errText, _ := bad["error"].(string); !strings.Contains(errText, "no element") {
		t.Fatalf("click on a missing element = %v", bad)
	}

	resp, err := http.Get(s.URL() + "/__emu/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Bot.OpenID != "ou_bot" || len(st.Users) != 2 || len(st.Chats) != 1 || len(st.Chats[0].Messages) != 2 ||
		st.Chats[0].Messages[0].Card == nil || st.Chats[0].Messages[1].Sender != ann {
		t.Fatalf("state = %+v", st)
	}
}

func TestWaitForAndChanges(t *testing.T) {
	s := newServer(t, Config{})
	ch, cancel := s.Changes()
	defer cancel()
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.AddUser(User{OpenID: "ou_late", Name: "Late"})
	}()
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if err := s.WaitFor(ctx, func() bool { return len(s.Users()) == 1 }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("no change notification")
	}
	short, stop2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer stop2()
	if err := s.WaitFor(short, func() bool { return false }); err == nil {
		t.Fatal("WaitFor returned nil for a condition that never holds")
	}
}
