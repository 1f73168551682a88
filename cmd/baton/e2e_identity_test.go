package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestBotIdentityRefetched: /open-apis/bot/v3/info fails when Baton starts (bot ability not yet enabled,
// 230006), then recovers. Baton keeps asking with backoff, and once Lark answers an @bot command in a group
// is recognised: group commands do not stay silent until a restart.
func TestBotIdentityRefetched(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	b.stop()
	b.emu.FailNext(larktest.RouteBotInfo, 2, http.StatusBadRequest, 230006)
	b.start()
	b.wait("bot info to answer again", func() bool {
		for _, c := range b.emu.Calls() {
			if c.Route == larktest.RouteBotInfo && c.Code == 0 && c.Status == http.StatusOK {
				return true
			}
		}
		return false
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The answer reached Baton a moment ago; a command sent right after may still race it, so repeat until
	// one is answered (each message is new to Baton).
	b.wait("the @bot command in the group to be answered", func() bool {
		if len(b.cardsIn(salesChat)) > 0 {
			return true
		}
		if _, err := b.emu.SendText(ctx, salesChat, repID(1), "@bot /help"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		return len(b.cardsIn(salesChat)) > 0
	})
	if help := b.cardsIn(salesChat)[0]; !strings.Contains(help.Content, "Baton help") {
		t.Errorf("group reply is not the help card: %s", help.Content)
	}
}

// TestBotMentionByNameWhileIdentityUnknown: while bot/v3/info keeps failing, a mention of the bot by its
// configured name (LARK_BOT_NAME) still counts, so group commands work from the first minute.
func TestBotMentionByNameWhileIdentityUnknown(t *testing.T) {
	b := startBaton(t, e2eOptions{env: map[string]string{"LARK_BOT_NAME": "Baton"}})
	b.stop()
	b.emu.FailNext(larktest.RouteBotInfo, 1<<30, http.StatusBadRequest, 230006)
	b.start()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.emu.SendText(ctx, salesChat, repID(1), "@Baton /help"); err != nil {
		t.Fatal(err)
	}
	if help := b.waitCards(salesChat, 1)[0]; !strings.Contains(help.Content, "Baton help") {
		t.Errorf("group reply is not the help card: %s", help.Content)
	}
	// A message that mentions someone else is still not for Baton.
	b.emu.SendText(ctx, salesChat, repID(1), "@"+repID(2)+" /help")
	time.Sleep(300 * time.Millisecond)
	if n := len(b.cardsIn(salesChat)); n != 1 {
		t.Errorf("group has %d bot cards, want 1", n)
	}
}
