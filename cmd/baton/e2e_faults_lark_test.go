package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// stormPhase is how long each kind of Lark failure lasts; three phases make the 30 s storm.
const stormPhase = 10 * time.Second

// TestFaultLarkStorm: for 30 s Lark fails every way it can: sends that are posted but answered with the
// gateway's 502, then 5xx on every call, then 429 on every call, while leads keep arriving and a rep claims.
// Afterwards every lead has exactly one pool card (a retried send carries the same uuid), the owner has
// exactly one DM card, and the backlog drains inside Lark's rate limits.
func TestFaultLarkStorm(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	gw := newLossyGateway(t, b.emu.URL())
	b.stop()
	b.env["LARK_BASE_URL"] = gw.URL()
	b.start()
	b.emu.EnforceRateLimits(true)

	first := b.postLead(faultLead(0))
	pool := b.waitCards(salesChat, 1)[0]
	ids := []int64{}
	post := func(until time.Time) {
		for time.Now().Before(until) {
			ids = append(ids, b.postLead(faultLead(len(ids)+1)))
			time.Sleep(750 * time.Millisecond)
		}
	}

	gw.losing.Store(true)
	end := time.Now().Add(stormPhase)
	// The claim itself works (Lark answers the chat-member lookup); the owner's DM card is posted and its
	// answer lost.
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim during the storm: toast %q\nlogs:\n%s", toastText(r), tail(b.logs.String(), 3000))
	}
	post(end)
	gw.losing.Store(false)
	if gw.lost.Load() == 0 {
		t.Fatal("no send went through the lossy gateway: the storm did not reach Baton")
	}

	b.emu.FailNext(larktest.RouteAny, 1<<30, http.StatusServiceUnavailable, 0)
	post(time.Now().Add(stormPhase))

	b.emu.FailNext(larktest.RouteAny, 1<<30, http.StatusTooManyRequests, larktest.CodeRateLimited)
	post(time.Now().Add(stormPhase))
	b.emu.FailNext(larktest.RouteAny, 0, 0, 0)

	// The storm is over. From here on Baton's own pacing must keep every call inside the limits.
	limited := b.emu.RateLimited()
	b.clock.Advance(31 * time.Second)
	b.sweep()
	waitLong(t, 60*time.Second, "every pool card after the storm", b.logs.String, func() bool {
		return len(poolCardsPerLead(b.emu, salesChat)) >= len(ids)
	})
	b.wait("the owner's DM card", func() bool { return len(b.dmCards(repID(1))) >= 1 })
	b.sweep()
	b.waitIdle(2 * time.Second)

	checkOneCardEach(t, b.emu, salesChat, ids)
	// The backlog after the storm may go out as pool boards: never more messages than leads.
	if n := len(b.cardsIn(salesChat)); n > 1+len(ids) {
		t.Errorf("%d cards in the pool chat, want at most %d (one per lead)", n, 1+len(ids))
	}
	if n := len(b.dmCards(repID(1))); n != 1 {
		t.Errorf("owner got %d DM cards for lead %d, want 1", n, first)
	}
	if n := b.emu.RateLimited() - limited; n != 0 {
		t.Errorf("Lark refused %d calls for rate limits after the storm: the backlog was not paced", n)
	}
	t.Logf("%d leads through the storm, %d answers lost by the gateway", len(ids), gw.lost.Load())
}
