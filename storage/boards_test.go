package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

var phoneSeq atomic.Int64

// poolLeads stores n leads in pool east, each a new customer.
func poolLeads(t *testing.T, db *storage.DB, tag string, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = mustIntake(t, db, newLead(fmt.Sprintf("%s-%d", tag, i), fmt.Sprintf("+86139%08d", phoneSeq.Add(1)), "")).Lead.ID
	}
	return ids
}

func placement(lead int64, now time.Time) crm.BoardPlacement {
	return crm.BoardPlacement{Lead: lead, Pool: "east", After: 3, Size: 20, FillSince: now.Add(-10 * time.Second), Now: now}
}

// TestPlaceLeadSingleOrBoards: up to After waiting leads get single cards; more go on boards of at most Size
// rows, every waiting lead at once; a decision once made is returned unchanged; the pool's newest board
// fills while it is young and has room; a lead with a card already does not count.
func TestPlaceLeadSingleOrBoards(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		few := poolLeads(t, db, "few", 3)
		if n, err := db.Waiting(ctx, "east", few[0], 10); err != nil || n != 3 {
			t.Fatalf("Waiting: %d, %v; want 3", n, err)
		}
		board, touched, err := db.PlaceLead(ctx, placement(few[0], t0))
		if err != nil || board != 0 || len(touched) != 0 {
			t.Fatalf("three waiting: board %d, touched %v, %v; want a single card", board, touched, err)
		}
		for _, id := range few[1:] { // the others get their single cards
			if err := db.SetCardState(ctx, id, crm.CardState{PoolMessageID: fmt.Sprintf("om_single_%d", id)}); err != nil {
				t.Fatal(err)
			}
		}
		if b, err := db.BoardOf(ctx, few[0], 0); err != nil || b != 0 {
			t.Fatalf("BoardOf single: %d, %v", b, err)
		}
		if _, err := db.BoardOf(ctx, few[1], 0); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("BoardOf with no decision: %v, want ENOTFOUND", err)
		}

		many := poolLeads(t, db, "many", 45)
		board, touched, err = db.PlaceLead(ctx, placement(many[44], t0))
		if err != nil || board == 0 {
			t.Fatalf("45 waiting: board %d, %v", board, err)
		}
		if len(touched) != 3 {
			t.Fatalf("45 leads on %d boards, want 3", len(touched))
		}
		var placed []int64
		for i, id := range touched {
			b, err := db.Board(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := []int{20, 20, 5}[i]
			if len(b.Rows) != want || b.MessageID != "" || b.Version != 1 || b.Drawn != 0 {
				t.Errorf("board %d: %d rows, message %q, version %d drawn %d; want %d rows, unposted, 1/0", i, len(b.Rows), b.MessageID, b.Version, b.Drawn, want)
			}
			for _, r := range b.Rows {
				placed = append(placed, r.LeadID)
			}
		}
		if !slices.Equal(placed, many) || slices.Contains(placed, few[1]) {
			t.Errorf("boards list %v, want the 45 waiting leads in arrival order", placed)
		}
		again, touched2, err := db.PlaceLead(ctx, placement(many[44], t0))
		if err != nil || again != board || len(touched2) != 0 {
			t.Errorf("placing again: board %d touched %v (%v), want %d and nothing new", again, touched2, err, board)
		}

		// A lead arriving while the last board is young joins it, and the board needs a redraw.
		late := poolLeads(t, db, "late", 1)[0]
		joined, touched3, err := db.PlaceLead(ctx, placement(late, t0.Add(5*time.Second)))
		if err != nil || joined != touched[2] || !slices.Equal(touched3, []int64{touched[2]}) {
			t.Fatalf("late lead: board %d touched %v (%v), want board %d", joined, touched3, err, touched[2])
		}
		if b, _ := db.Board(ctx, joined); len(b.Rows) != 6 || b.Version != 2 {
			t.Errorf("grown board: %d rows version %d, want 6 and 2", len(b.Rows), b.Version)
		}
		// Later, the same lone arrival gets a card of its own.
		lone := poolLeads(t, db, "lone", 1)[0]
		if b, _, err := db.PlaceLead(ctx, placement(lone, t0.Add(time.Minute))); err != nil || b != 0 {
			t.Errorf("lone lead a minute later: board %d, %v; want a single card", b, err)
		}
	})
}

// TestBoardPostedAndDrawn: posting points the unowned leads at the board and marks their cards current;
// the lease lets one drawer in at a time and expires; drawn never goes back.
func TestBoardPostedAndDrawn(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := poolLeads(t, db, "post", 5)
		board, _, err := db.PlaceLead(ctx, placement(ids[0], t0))
		if err != nil || board == 0 {
			t.Fatalf("place: %d, %v", board, err)
		}
		if got, err := db.LeaseBoard(ctx, board, t0, t0.Add(30*time.Second)); got != crm.LeaseFree || err != nil {
			t.Fatalf("first lease: %v %v", got, err)
		}
		if got, _ := db.LeaseBoard(ctx, board, t0.Add(time.Second), t0.Add(31*time.Second)); got != crm.LeaseHeld {
			t.Fatalf("a second drawer got a held lease: %v", got)
		}
		if err := db.BoardPosted(ctx, board, "om_board"); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseBoard(ctx, board, 1); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			cs, err := db.CardState(ctx, id)
			l, _ := db.Lead(ctx, id)
			if err != nil || cs.PoolMessageID != "om_board" || cs.CardsRev != l.Rev {
				t.Errorf("lead %d card state %+v (rev %d), %v; want the board, current", id, cs, l.Rev, err)
			}
		}
		if err := db.TouchBoard(ctx, board); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.LeaseBoard(ctx, board, t0.Add(2*time.Second), t0.Add(32*time.Second)); got != crm.LeaseFree {
			t.Fatalf("lease after release: %v, want free", got)
		}
		if got, _ := db.LeaseBoard(ctx, board, t0.Add(40*time.Second), t0.Add(70*time.Second)); got != crm.LeaseExpired {
			t.Fatalf("an expired lease: %v, want taken over", got)
		}
		if err := db.ReleaseBoard(ctx, board, 0); err != nil {
			t.Fatal(err)
		}
		b, err := db.Board(ctx, board)
		if err != nil || b.MessageID != "om_board" || b.Version != 2 || b.Drawn != 1 {
			t.Errorf("board %+v, %v; want posted, version 2, drawn 1", b, err)
		}
	})
}

// TestBoardReleasePointsAddedRows: leads added to a posted board are pointed at it (and their cards
// marked current) when a drawer releases the board showing its latest version, not before: a drawer that
// drew an older version, or died holding the lease, leaves them to their own syncs.
func TestBoardReleasePointsAddedRows(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := poolLeads(t, db, "rel", 5)
		board, _, err := db.PlaceLead(ctx, placement(first[0], t0))
		if err != nil || board == 0 {
			t.Fatalf("place: %d, %v", board, err)
		}
		if err := db.BoardPosted(ctx, board, "om_rel"); err != nil {
			t.Fatal(err)
		}
		late := poolLeads(t, db, "rel-late", 1)[0]
		if joined, _, err := db.PlaceLead(ctx, placement(late, t0.Add(time.Second))); err != nil || joined != board {
			t.Fatalf("late lead: board %d, %v; want %d", joined, err, board)
		}
		pointed := func() bool {
			cs, err := db.CardState(ctx, late)
			if err != nil {
				t.Fatal(err)
			}
			l, _ := db.Lead(ctx, late)
			return cs.PoolMessageID == "om_rel" && cs.CardsRev == l.Rev
		}
		if err := db.ReleaseBoard(ctx, board, 1); err != nil { // drew the board before the late row
			t.Fatal(err)
		}
		if pointed() {
			t.Error("a release of an older drawing pointed the late lead at the board")
		}
		if err := db.ReleaseBoard(ctx, board, 2); err != nil {
			t.Fatal(err)
		}
		if !pointed() {
			t.Error("the release of the latest drawing did not point the late lead at the board")
		}
	})
}

// TestPlaceLeadConcurrent: workers placing the leads of one burst at the same time build one set of boards:
// every lead on exactly one board, no board over its size, no lead lost.
func TestPlaceLeadConcurrent(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := poolLeads(t, db, "conc", 60)
		var wg sync.WaitGroup
		boards := make([]int64, len(ids))
		start := make(chan struct{})
		for i, id := range ids {
			wg.Go(func() {
				<-start
				b, _, err := db.PlaceLead(ctx, placement(id, t0))
				if err != nil {
					t.Errorf("place lead %d: %v", id, err)
				}
				boards[i] = b
			})
		}
		close(start)
		wg.Wait()
		seen := map[int64]int{}
		distinct := map[int64]bool{}
		for i, b := range boards {
			if b == 0 {
				t.Fatalf("lead %d got a single card in a burst of 60", ids[i])
			}
			if !distinct[b] {
				distinct[b] = true
				got, err := db.Board(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Rows) > 20 {
					t.Errorf("board %d has %d rows", b, len(got.Rows))
				}
				for _, r := range got.Rows {
					seen[r.LeadID]++
				}
			}
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("lead %d is on %d boards, want 1", id, seen[id])
			}
		}
		if len(distinct) != 3 {
			t.Errorf("60 leads on %d boards, want 3", len(distinct))
		}
	})
}
