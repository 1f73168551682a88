package main

import (
	"strings"
	"testing"
	"time"
)

// TestCardsRepostedBeforeLarkWindowCloses: Lark stops updating a JSON 2.0 card, and its buttons stop
// working, 14 days after it was sent. At day 13 the sweep re-posts a waiting lead's pool card, and the old
// card points to the new one; the new card's Claim works. After the claim the owner's DM card is re-posted
// the same way at day 13. The harness's clock drives Baton and the emulator alike.
func TestCardsRepostedBeforeLarkWindowCloses(t *testing.T) {
	cfg := strings.Replace(defaultE2EConfig, "protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}",
		"protection: {default: 20d, extend_on_activity: 3d, max: 30d, warn_before: 1d}", 1)
	b := startBaton(t, e2eOptions{config: cfg})
	id := b.postLead(map[string]any{"external_id": "rf-1", "name": "赵六", "phone": "13600136000"})
	first := b.waitCards(salesChat, 1)[0]
	b.settle()

	b.clock.Advance(13*24*time.Hour + time.Minute)
	b.sweep()
	cards := b.waitCards(salesChat, 2)
	fresh := cards[1]
	if old := b.message(first.ID); !strings.Contains(old.Content, "This card moved: see the latest") ||
		!strings.Contains(old.Content, "此卡片已更新，请查看最新卡片") || strings.Contains(old.Content, `"claim"`) {
		t.Errorf("the old pool card does not point to the new one:\n%s", old.Content)
	}
	if n := b.events(id, "card_refreshed"); n != 1 {
		t.Errorf("timeline has %d card_refreshed entries, want 1", n)
	}
	b.sweep() // a second sweep finds nothing due: no third card
	if n := len(b.cardsIn(salesChat)); n != 2 {
		t.Errorf("%d cards in the pool chat after a second sweep, want 2", n)
	}
	if r := b.click(fresh.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim on the re-posted card: %q", toastText(r))
	}
	dm := b.waitDMs(repID(1), 1)[0]
	b.settle()

	b.clock.Advance(13*24*time.Hour + time.Minute)
	b.sweep()
	dms := b.waitDMs(repID(1), 2)
	if old := b.message(dm.ID); !strings.Contains(old.Content, "This card moved: see the latest") {
		t.Errorf("the old owner card does not point to the new one:\n%s", old.Content)
	}
	if !strings.Contains(dms[len(dms)-1].Content, "赵六") {
		t.Errorf("the re-posted owner card is not the lead's card:\n%s", dms[len(dms)-1].Content)
	}
	if n := b.events(id, "card_refreshed"); n != 2 {
		t.Errorf("timeline has %d card_refreshed entries, want 2", n)
	}
}
