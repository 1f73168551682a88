package larktest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	"github.com/larksuite/oapi-sdk-go/v3/core/httpserverext"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkapplication "github.com/larksuite/oapi-sdk-go/v3/service/application/v6"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// fakeBot is a minimal bot built on the SDK's own dispatcher, so the emulator is checked against the code
// that decodes, decrypts and verifies events in production.
type fakeBot struct {
	mu       sync.Mutex
	messages []*larkim.P2MessageReceiveV1
	menus    []*larkapplication.P2BotMenuV6
	added    []*larkim.P2ChatMemberBotAddedV1
	actions  []*callback.CardActionTriggerRequest
	// answer builds the callback response; nil answers null, as a handler returning (nil, nil) does.
	answer func(*callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse
}

func (b *fakeBot) dispatcher(verificationToken, encryptKey string) *dispatcher.EventDispatcher {
	return dispatcher.NewEventDispatcher(verificationToken, encryptKey).
		OnP2MessageReceiveV1(func(_ context.Context, e *larkim.P2MessageReceiveV1) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.messages = append(b.messages, e)
			return nil
		}).
		OnP2BotMenuV6(func(_ context.Context, e *larkapplication.P2BotMenuV6) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.menus = append(b.menus, e)
			return nil
		}).
		OnP2ChatMemberBotAddedV1(func(_ context.Context, e *larkim.P2ChatMemberBotAddedV1) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.added = append(b.added, e)
			return nil
		}).
		OnP2CardActionTrigger(func(_ context.Context, e *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
			b.mu.Lock()
			b.actions = append(b.actions, e.Event)
			answer := b.answer
			b.mu.Unlock()
			if answer == nil {
				return nil, nil
			}
			return answer(e.Event), nil
		})
}

func (b *fakeBot) lastAction(t *testing.T) *callback.CardActionTriggerRequest {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.actions) == 0 {
		t.Fatal("the bot received no card action")
	}
	return b.actions[len(b.actions)-1]
}

// serveWebhook runs the fake bot behind httpserverext, as Baton's /lark/events does, and points s at it.
func serveWebhook(t *testing.T, s *Server, b *fakeBot) {
	t.Helper()
	d := b.dispatcher(s.Config().VerificationToken, s.Config().EncryptKey)
	h := httpserverext.NewEventHandlerFunc(d, larkevent.WithLogLevel(larkcore.LogLevelError))
	srv := httptest.NewServer(http.HandlerFunc(h))
	t.Cleanup(srv.Close)
	s.SetWebhook(srv.URL + "/lark/events")
}
