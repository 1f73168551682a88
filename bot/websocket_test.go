package bot

import (
	"context"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

func TestWebsocketReceivesEventsAndClicks(t *testing.T) {
	if raceEnabled {
		// The SDK's ws.Client reads and writes its connection field without a lock (Close, the receive loop's
		// reconnect and the ping loop), so the race detector flags the SDK, not Baton.
		t.Skip("the Lark SDK's websocket client has data races of its own")
	}
	t.Parallel()
	s := newEmulator(t)
	chat := salesChat(s)
	rec := &recorder{reply: func(CardAction) (*CardResponse, error) {
		return &CardResponse{Toast: &Toast{Type: "info", ZH: "收到", EN: "Got it"}, Card: testCard("Owner: Ann", "release")}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- RunWebsocket(ctx, s.Config().AppID, s.Config().AppSecret, s.URL(), IntakeConfig{
			Handler: rec, Dedup: &memDeduper{}, Logger: quietLogger(), BotOpenID: s.Config().BotOpenID,
		})
	}()
	wait, waitDone := context.WithTimeout(context.Background(), 10*time.Second)
	defer waitDone()
	if err := s.WaitFor(wait, func() bool { return s.WSClients() == 1 }); err != nil {
		t.Fatalf("websocket client did not connect: %v", err)
	}

	d, err := s.SendText(ctx, chat, "ou_ann", "@bot /help")
	if err != nil {
		t.Fatalf("send over websocket: %v (status %d)", err, d.Status)
	}
	if _, err := s.Redeliver(ctx, d.EventID); err != nil {
		t.Fatalf("redeliver over websocket: %v", err)
	}
	rec.mu.Lock()
	msgs := rec.messages
	rec.mu.Unlock()
	if len(msgs) != 1 || msgs[0].Text != "/help" || !msgs[0].MentionsBot {
		t.Errorf("messages over websocket = %+v, want one /help mentioning the bot", msgs)
	}

	c := newTestClient(t, s, nil)
	msgID, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("New lead", "claim")}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Click(ctx, msgID, "claim", "ou_ann")
	if err != nil {
		t.Fatalf("click over websocket: %v", err)
	}
	if res.Toast == nil || res.Toast.I18n["en_us"] != "Got it" || !res.CardUpdated {
		t.Errorf("click result = %+v, want the toast and the new card", res)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunWebsocket returned %v after cancel, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunWebsocket did not return after its context was cancelled")
	}
}

func TestWebsocketBadCredentialsFail(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := RunWebsocket(ctx, s.Config().AppID, "wrong-secret", s.URL(), IntakeConfig{Handler: &recorder{}, Logger: quietLogger()})
	if err == nil || ctx.Err() != nil {
		t.Errorf("RunWebsocket with a wrong secret: err = %v (ctx %v), want an early error", err, ctx.Err())
	}
}
