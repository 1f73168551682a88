package main

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkBurstBoards measures a burst of leads pushed in one batch into one claim pool: the time from the
// batch request until every lead has a Claim button in the pool chat (when the emulator received the last
// message or patch that gave one), the messages posted into the chat,
// and the calls the emulator refused for breaking Lark's 5 messages/s per chat (it must stay 0).
// "boards" is Baton's default (bursts become pool boards of 20); "cards" turns boards off (board_after far
// above the burst), one card per lead, as the floor to compare against: it sends 200 leads per round,
// since 1,000 single cards take over four minutes, and reports the time extrapolated to 1,000 too.
func BenchmarkBurstBoards(b *testing.B) {
	for _, tc := range []struct {
		name     string
		leads    int
		settings []string
	}{
		{"boards", 1000, nil},
		{"cards", 200, []string{"board_after: 1000000"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := eastPool(append([]string{"mode: claim", "limits: {open: 1000000, daily_claims: 1000000}"}, tc.settings...)...)
			bt := startBaton(b, e2eOptions{config: cfg, env: map[string]string{"BATON_LOG_LEVEL": "info"}})
			bt.emu.EnforceRateLimits(true)
			var busy time.Duration
			messages, round := 0, 0
			for b.Loop() {
				before := len(bt.cardsIn(salesChat))
				start := time.Now()
				ids := bt.postBatch(burstLeads(tc.leads, fmt.Sprintf("%s-%d", tc.name, round), 10000000+round*tc.leads))
				got := bt.waitClaimable(salesChat, ids, time.Duration(tc.leads)*time.Second/2)
				// The time Lark had the last message a lead of the burst needed (its post, or the patch that
				// added rows to a board), rather than when the polling noticed it.
				var last time.Time
				for _, id := range ids {
					m := bt.message(got[id].msg)
					last = maxTime(last, maxTime(m.CreatedAt, m.UpdatedAt))
				}
				busy += last.Sub(start)
				messages += len(bt.cardsIn(salesChat)) - before
				round++
				b.StopTimer()
				bt.settle()
				b.StartTimer()
			}
			perRound := busy.Seconds() / float64(round)
			b.ReportMetric(perRound, "s_to_claimable")
			b.ReportMetric(perRound*1000/float64(tc.leads), "s_per_1000_leads")
			b.ReportMetric(float64(messages)/float64(round), "messages")
			b.ReportMetric(float64(bt.emu.RateLimited()), "429s")
		})
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
