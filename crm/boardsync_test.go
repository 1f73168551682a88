package crm

import (
	"context"
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

func (m *memBoards) LeaseBoard(_ context.Context, id int64, now, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.lease[id]; ok && !l.Before(now) {
		return false, nil
	}
	m.lease[id] = until
	return true, nil
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
