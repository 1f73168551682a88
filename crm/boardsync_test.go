package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// memBoards is an in-memory BoardStore holding posted boards; PlaceLead is not used here (storage tests it).
type memBoards struct {
	BoardStore

	mu     sync.Mutex
	boards map[int64]*Board
	lease  map[int64]time.Time
}

func (m *memBoards) Board(_ context.Context, id int64) (*Board, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.boards[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no board")
	}
	c := *b
	return &c, nil
}

func (m *memBoards) TouchBoard(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.boards[id].Version++
	return nil
}

func (m *memBoards) LeaseBoard(_ context.Context, id int64, now, until time.Time) (BoardLease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, held := m.lease[id]
	if held && !l.Before(now) {
		return LeaseHeld, nil
	}
	m.lease[id] = until
	if held {
		return LeaseExpired, nil
	}
	return LeaseFree, nil
}

func (m *memBoards) ReleaseBoard(_ context.Context, id, drawn int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.lease, id)
	m.boards[id].Drawn = max(m.boards[id].Drawn, drawn)
	return nil
}

// boardLeads is a LeadStore of leads whose revisions a test bumps.
type boardLeads struct {
	LeadStore

	mu    sync.Mutex
	leads map[int64]*Lead
}

func (s *boardLeads) Lead(_ context.Context, id int64) (*Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := *s.leads[id]
	return &l, nil
}

func (s *boardLeads) Customer(_ context.Context, id int64) (*Customer, error) {
	return &Customer{ID: id}, nil
}

func (s *boardLeads) bump(id int64) {
	s.mu.Lock()
	s.leads[id].Rev++
	s.mu.Unlock()
}

// revBoards draws a board as the revisions of its rows' leads.
type revBoards struct{ Renderer }

func (revBoards) BoardCard(v BoardView) []byte {
	parts := make([]string, len(v.Rows))
	for i, r := range v.Rows {
		parts[i] = fmt.Sprintf("%d:%d", r.Lead.ID, r.Lead.Rev)
	}
	return []byte(strings.Join(parts, ","))
}

// patches records card updates; the first one waits for release, so changes pile up behind it.
type patches struct {
	Messenger

	mu      sync.Mutex
	cards   []string
	entered chan struct{}
	release chan struct{}
}

func (p *patches) UpdateCard(_ context.Context, _ string, card []byte) error {
	p.mu.Lock()
	first := len(p.cards) == 0
	p.mu.Unlock()
	if first {
		p.entered <- struct{}{}
		<-p.release
	}
	p.mu.Lock()
	p.cards = append(p.cards, string(card))
	p.mu.Unlock()
	return nil
}

// TestBoardRedrawsCoalesce: ten leads on one board change while its first redraw is on its way to Lark.
// Their redraws do not queue a patch each: the worker holding the board draws again once, and that last
// drawing shows every change.
func TestBoardRedrawsCoalesce(t *testing.T) {
	t.Parallel()
	const n = 10
	leads := &boardLeads{leads: map[int64]*Lead{}}
	board := &Board{ID: 1, Pool: "sales", MessageID: "om_board", Version: 1, Drawn: 1}
	for i := range int64(n) {
		leads.leads[i+1] = &Lead{ID: i + 1, Pool: "sales", Rev: 1}
		board.Rows = append(board.Rows, BoardRow{LeadID: i + 1})
	}
	store := &memBoards{boards: map[int64]*Board{1: board}, lease: map[int64]time.Time{}}
	msgr := &patches{entered: make(chan struct{}), release: make(chan struct{})}
	s := &Service{Leads: leads, Members: names{}, Boards: store, Messenger: msgr, Renderer: revBoards{},
		Settings: &Settings{Pools: []Pool{{Key: "sales", ChatID: "oc_sales"}}}}
	ctx := context.Background()

	first := make(chan error)
	leads.bump(1)
	go func() { first <- s.redrawBoard(ctx, 1) }()
	<-msgr.entered // the first patch is in flight
	var wg sync.WaitGroup
	for i := range int64(n - 1) {
		wg.Go(func() {
			leads.bump(i + 2)
			if err := s.redrawBoard(ctx, 1); err != nil {
				t.Errorf("redraw: %v", err)
			}
		})
	}
	wg.Wait() // every other redraw returned at once: the board was held
	close(msgr.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if len(msgr.cards) != 2 {
		t.Fatalf("%d patches for %d changes, want 2 (the one in flight and one more): %q", len(msgr.cards), n, msgr.cards)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("%d:2", i+1)
	}
	if got := msgr.cards[1]; got != strings.Join(want, ",") {
		t.Errorf("last drawing %q, want every lead at revision 2", got)
	}
	if b, _ := store.Board(ctx, 1); b.Drawn != b.Version {
		t.Errorf("board drawn %d, version %d", b.Drawn, b.Version)
	}
}

// boardOf adds BoardOf to memBoards: every lead is on board 1.
type boardOf struct{ *memBoards }

func (boardOf) BoardOf(context.Context, int64, int) (int64, error) { return 1, nil }

// recorded records card updates.
type recorded struct {
	Messenger
	mu    sync.Mutex
	cards []string
}

func (r *recorded) UpdateCard(_ context.Context, _ string, card []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cards = append(r.cards, string(card))
	return nil
}

// TestBoardHeldByDeadWorker: a lead was added to a posted board, and the worker drawing it died holding its
// lease. The lead's sync must not count the lead as shown (its row is not on the message yet); once the
// lease runs out, the next sync draws the board itself and points the lead at it.
func TestBoardHeldByDeadWorker(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	leads := &boardLeads{leads: map[int64]*Lead{1: {ID: 1, Pool: "sales", Rev: 1}, 2: {ID: 2, Pool: "sales", Rev: 1, PoolEpoch: 1}}}
	board := &Board{ID: 1, Pool: "sales", MessageID: "om_board", Version: 2, Drawn: 1,
		Rows: []BoardRow{{LeadID: 1}, {LeadID: 2, Epoch: 1}}}
	store := &memBoards{boards: map[int64]*Board{1: board}, lease: map[int64]time.Time{1: now.Add(boardLease)}}
	msgr := &recorded{}
	s := &Service{Leads: leads, Members: names{}, Boards: boardOf{store}, Messenger: msgr, Renderer: revBoards{},
		Settings: &Settings{Pools: []Pool{{Key: "sales", ChatID: "oc_sales"}}}, Now: func() time.Time { return now }}
	ctx := context.Background()
	l, _ := leads.Lead(ctx, 2)

	var cs CardState
	if err := s.showOnBoard(ctx, 1, l, &cs); !errors.Is(err, errBoardPending) || cs.PoolMessageID != "" {
		t.Fatalf("lease held by a dead worker: err %v, pointer %q; want errBoardPending and no pointer", err, cs.PoolMessageID)
	}
	// The sweep's sync of the lead, once the lease ran out, draws the board itself.
	now = now.Add(boardLease + time.Second)
	if err := s.showOnBoard(ctx, 1, l, &cs); err != nil || cs.PoolMessageID != "om_board" {
		t.Fatalf("after the lease ran out: err %v, pointer %q", err, cs.PoolMessageID)
	}
	if len(msgr.cards) != 1 || !strings.Contains(msgr.cards[0], "2:1") {
		t.Errorf("board drawings %q, want one showing lead 2", msgr.cards)
	}
}

// posted adds BoardPosted to memBoards.
type posted struct{ *memBoards }

func (p posted) BoardPosted(_ context.Context, id int64, messageID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.boards[id].MessageID = messageID
	return nil
}

// replaying answers every send with the message an earlier send of the same key made, as Lark does for a
// repeated uuid: the content sent now is not what the chat shows.
type replaying struct {
	recorded
	sends int
}

func (r *replaying) Send(context.Context, Recipient, Outgoing, string) (string, error) {
	r.sends++
	return "om_first_post", nil
}

// TestBoardRepostAfterDeadDrawerIsPatched: a drawer posted a board and died before recording the post;
// the board grew meanwhile. The next drawer takes the expired lease, and its post comes back as the first
// one (same idempotency key), showing the old rows: it must patch the board to its latest version rather
// than record the latest version as drawn.
func TestBoardRepostAfterDeadDrawerIsPatched(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	leads := &boardLeads{leads: map[int64]*Lead{1: {ID: 1, Pool: "sales", Rev: 1}, 2: {ID: 2, Pool: "sales", Rev: 1}}}
	board := &Board{ID: 1, Pool: "sales", Version: 2, Rows: []BoardRow{{LeadID: 1}, {LeadID: 2}}}
	store := &memBoards{boards: map[int64]*Board{1: board}, lease: map[int64]time.Time{1: now.Add(-time.Second)}}
	msgr := &replaying{}
	s := &Service{Leads: leads, Members: names{}, Boards: posted{store}, Messenger: msgr, Renderer: revBoards{},
		Settings: &Settings{Pools: []Pool{{Key: "sales", ChatID: "oc_sales"}}}, Now: func() time.Time { return now }}
	ctx := context.Background()
	if err := s.drawBoard(ctx, 1); err != nil {
		t.Fatal(err)
	}
	b, _ := store.Board(ctx, 1)
	if msgr.sends != 1 || len(msgr.cards) != 1 || msgr.cards[0] != "1:1,2:1" {
		t.Errorf("%d sends, patches %q; want the post followed by a patch showing both rows", msgr.sends, msgr.cards)
	}
	if b.MessageID != "om_first_post" || b.Drawn != b.Version {
		t.Errorf("board %+v, want posted and drawn at its version", b)
	}
}
