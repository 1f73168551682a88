package main

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/jobs"
)

var replicaConfig = eastPool("mode: claim", "sla: {unclaimed: [{after: 10m, do: escalate}]}")

// replica starts a second `baton serve` on the same database, Redis, emulator and clock as b, with its own
// listener, workers and scheduler. The emulator's webhook moves to the new replica.
func (b *baton) replica() *baton {
	b.t.Helper()
	r := &baton{t: b.t, emu: b.emu, env: maps.Clone(b.env), clock: b.clock, logs: &syncBuffer{},
		stdout: &syncBuffer{}, done: make(chan int, 1)}
	r.start()
	return r
}

// TestFaultTwoReplicas runs two replicas on one PostgreSQL and Redis, with Lark's rate limits enforced. Leads
// arrive at both, every sync and timer runs twice at once (one on each replica's workers): each lead still
// gets one pool card and one escalation, and the shared limiter keeps both replicas together inside Lark's
// per-chat and per-user limits.
func TestFaultTwoReplicas(t *testing.T) {
	a := startBaton(t, e2eOptions{config: replicaConfig})
	b := a.replica()
	a.emu.EnforceRateLimits(true)

	const n = 24
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := a
			if i%2 == 1 {
				to = b
			}
			status, id, err := sendLead(to.base, faultLead(i))
			if err != nil || status != http.StatusCreated {
				t.Errorf("lead %d: status %d, err %v", i, status, err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, id := range ids {
		for range 2 {
			a.enqueueRaw(jobs.TypeLeadSync, jobs.QueueCritical, fmt.Appendf(nil, `{"lead":%d}`, id))
		}
	}
	waitLong(t, 60*time.Second, fmt.Sprintf("%d pool cards", n), a.logs.String, func() bool {
		return len(poolCardsPerLead(a.emu, salesChat)) >= n
	})
	a.settle()
	a.waitIdle(time.Second)
	checkOneCardEach(t, a.emu, salesChat, ids)
	// A burst of 24 goes out as pool boards (board_after): never more messages than leads.
	if got := len(a.cardsIn(salesChat)); got > n {
		t.Errorf("%d cards in the pool chat, want at most %d", got, n)
	}

	// Ten minutes unclaimed: every lead escalates once, though both replicas sweep and run its timers.
	a.clock.Advance(11 * time.Minute)
	due := a.clock.Now().UnixMilli()
	for _, id := range ids {
		for k := range 2 {
			a.enqueueRaw(jobs.TypeLeadTimers, jobs.QueueDefault,
				fmt.Appendf(nil, `{"lead":%d,"key":"dup-%d","due_ms":%d}`, id, k, due))
		}
	}
	a.sweep()
	b.sweep()
	waitLong(t, 60*time.Second, fmt.Sprintf("%d escalations", n), a.logs.String, func() bool {
		return len(a.dmCards(managerID)) >= n
	})
	a.settle()
	a.waitIdle(time.Second)
	if got := len(a.dmCards(managerID)); got != n {
		t.Errorf("manager got %d escalation cards for %d leads, want one each", got, n)
	}
	for _, id := range ids {
		if e := a.events(id, "escalated"); e != 1 {
			t.Errorf("lead %d has %d escalated events, want 1", id, e)
		}
	}
	if got := a.emu.RateLimited(); got != 0 {
		t.Errorf("Lark refused %d calls for rate limits: the replicas do not share one limiter", got)
	}
}

// TestFaultTwoReplicasOneDigest: both replicas' schedulers tick the weekly digest and both workers run it at
// once; the pool's managers get one digest for the week.
func TestFaultTwoReplicasOneDigest(t *testing.T) {
	a := startBaton(t, e2eOptions{}) // no SLA: the manager's only cards are digests
	b := a.replica()
	a.postLead(faultLead(0))
	a.waitCards(salesChat, 1)

	a.clock.Advance(8 * 24 * time.Hour) // the lead's week is now the last complete one
	for range 2 {
		a.enqueueRaw(jobs.TypeDigest, jobs.QueueLow, nil)
		b.enqueueRaw(jobs.TypeDigest, jobs.QueueLow, nil)
	}
	a.settle()
	a.waitIdle(time.Second)
	if got := len(a.dmCards(managerID)); got != 1 {
		t.Errorf("manager got %d digest cards for one week, want 1\nlogs:\n%s", got, tail(a.logs.String()+b.logs.String(), 3000))
	}
	for _, m := range a.dmCards(managerID) {
		if !strings.Contains(m.Content, "周报") {
			t.Errorf("the manager's card is not the digest: %.300s", m.Content)
		}
	}
	// A later tick in the same week posts nothing new.
	a.clock.Advance(time.Hour)
	a.enqueueRaw(jobs.TypeDigest, jobs.QueueLow, nil)
	a.settle()
	a.waitIdle(time.Second)
	if got := len(a.dmCards(managerID)); got != 1 {
		t.Errorf("after a second tick in the same week the manager has %d digest cards, want 1", got)
	}
}
