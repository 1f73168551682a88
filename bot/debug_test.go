package bot

import (
	"testing"
	"fmt"
	"github.com/baton-crm/baton/bot/larktest"
)

func TestDebugBurst(t *testing.T) {
	s := newEmulator(t)
	s.EnforceRateLimits(true)
	chats := []string{s.AddGroup("East"), s.AddGroup("West"), s.AddGroup("North")}
	rdb := miniRedis(t)
	replicas := []*Client{newTestClient(t, s, rdb), newTestClient(t, s, rdb)}
	sendBurst(t, replicas, chats, 300)
	calls := s.Calls()
	t0 := calls[0].At
	for _, c := range calls {
		if c.Route == larktest.RouteCreateMessage && c.ChatID == chats[0] {
			fmt.Println(c.At.Sub(t0).Milliseconds(), c.Status, c.Code)
		}
	}
}
