package crm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// errBoardPending says the lead's board is being posted or redrawn by another worker (the one holding its
// lease), which points the lead at it when the message exists (BoardStore.BoardPosted). The sync does not
// mark the lead's cards as current, so the lead still lags its revision and the sweep syncs it again: if
// that worker died holding the lease, the sweep's sync draws the board once the lease runs out.
var errBoardPending = errors.New("board not drawn yet")

// syncBoardRow handles a lead whose pool card is a row on a board: a change redraws the board (coalesced);
// a lead that went back to the pool gets its old row marked and, below, a fresh card. onBoard is false when
// the lead's card is not a board row, which syncPoolCard then handles as a single card.
func (s *Service) syncBoardRow(ctx context.Context, v LeadView, cs *CardState) (onBoard bool, err error) {
	l := v.Lead
	id, err := s.Boards.BoardOf(ctx, l.ID, cs.PoolCardEpoch)
	if ErrorCode(err) == ENOTFOUND || (err == nil && id == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b, err := s.Boards.Board(ctx, id)
	if err != nil {
		return false, err
	}
	if b.MessageID != cs.PoolMessageID {
		return false, nil // the lead's card was re-posted on its own (refresh.go)
	}
	if cs.PoolCardEpoch != l.PoolEpoch {
		// Back in the pool: the old row says so, and a fresh card follows.
		if err := s.redrawBoard(ctx, id); err != nil {
			s.logger().Warn("mark lead's row on the old board", "lead_id", l.ID, "board_id", id, "error", err)
		}
		cs.PoolMessageID = ""
		return false, nil
	}
	if cs.CardsRev < l.Rev {
		if err := s.redrawBoard(ctx, id); err != nil {
			return true, err
		}
		_, err := s.drawnBoard(ctx, id)
		return true, err
	}
	return true, nil
}

// drawnBoard returns the board when its message shows its latest version, else errBoardPending: another
// worker holds its lease and is drawing it (or died doing so).
func (s *Service) drawnBoard(ctx context.Context, id int64) (*Board, error) {
	b, err := s.Boards.Board(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.MessageID == "" || b.Drawn < b.Version {
		return b, errBoardPending
	}
	return b, nil
}

// placeOnBoard decides whether a lead waiting for its first card in this pool epoch goes on a board; true
// when it does (the board is posted or grown by the time it returns, or errBoardPending).
func (s *Service) placeOnBoard(ctx context.Context, v LeadView, cs *CardState) (bool, error) {
	l, p := v.Lead, v.Pool
	id, err := s.Boards.BoardOf(ctx, l.ID, l.PoolEpoch)
	switch {
	case err == nil && id == 0:
		return false, nil // decided earlier: a single card
	case err == nil:
		return true, s.showOnBoard(ctx, id, l, cs)
	case ErrorCode(err) != ENOTFOUND:
		return false, err
	}
	// When other leads wait too, a burst may be arriving: the new lead's first card waits a moment for the
	// rest of it, so the burst's first leads go on its boards instead of each getting a card. A lead that
	// waits alone is posted at once, and so is a burst already big enough for boards: waiting would only
	// delay its first board.
	gather, after := p.BoardsGather(), p.BoardsAfter()
	wait := l.PooledAt.Add(gather).Sub(s.now())
	if wait > 0 && wait <= gather {
		if n, err := s.Boards.Waiting(ctx, l.Pool, l.ID, after+1); err != nil {
			return false, err
		} else if n < 2 || n > after {
			wait = 0
		}
	}
	if wait > 0 && wait <= gather {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		}
	}
	now := s.now()
	id, touched, err := s.Boards.PlaceLead(ctx, BoardPlacement{Lead: l.ID, Pool: l.Pool, Epoch: l.PoolEpoch,
		After: after, Size: BoardSize, FillSince: now.Add(-boardFill), Now: now})
	if err != nil {
		return false, fmt.Errorf("place lead on a board: %w", err)
	}
	if id == 0 {
		return false, nil
	}
	if len(touched) > 0 {
		s.logger().Info("leads placed on pool boards", "lead_id", l.ID, "pool", l.Pool, "boards", len(touched))
	}
	// Every board this placement made or grew is drawn now: the leads on it wait for that. They are drawn
	// side by side, so that while one waits for the chat's send window the next ones are read and rendered
	// and go out the moment it opens (drawn one after another, each window lost a board's reading time).
	errs := make([]error, len(touched))
	var wg sync.WaitGroup
	sem := make(chan struct{}, boardDrawers)
	for i, b := range touched {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.drawBoard(ctx, b)
		})
	}
	wg.Wait()
	errs = append(errs, s.showOnBoard(ctx, id, l, cs))
	return true, errors.Join(errs...)
}

// boardDrawers is how many boards of one placement are drawn at once: the sends a chat takes in one window.
const boardDrawers = 5

// showOnBoard draws the lead's board if need be and points the lead's card state at its message.
func (s *Service) showOnBoard(ctx context.Context, id int64, l *Lead, cs *CardState) error {
	if err := s.drawBoard(ctx, id); err != nil {
		return err
	}
	// The lead is pointed at the board only once its message shows the board's latest version (the lead's
	// row). Until then the worker drawing it points the lead when it releases the board (ReleaseBoard);
	// if that worker died holding the lease, the lead's next sync comes back here and draws the board.
	b, err := s.drawnBoard(ctx, id)
	if err != nil {
		return err
	}
	cs.PoolMessageID, cs.PoolCardEpoch = b.MessageID, l.PoolEpoch
	return nil
}

// redrawBoard marks the board as needing a redraw and draws it.
func (s *Service) redrawBoard(ctx context.Context, id int64) error {
	if err := s.Boards.TouchBoard(ctx, id); err != nil {
		return err
	}
	return s.drawBoard(ctx, id)
}

// drawBoard posts the board or patches it to its latest version. One worker draws a board at a time (the
// lease); a worker that finds it held returns at once, and the holder looks again after releasing it, so
// changes made meanwhile are drawn by the holder's next pass: many claims on one board become a few
// patches, paced by the Messenger. The order (bump, then try the lease; release, then look) means no
// change is left undrawn.
func (s *Service) drawBoard(ctx context.Context, id int64) error {
	for {
		now := s.now()
		lease, err := s.Boards.LeaseBoard(ctx, id, now, now.Add(boardLease))
		if err != nil || lease == LeaseHeld {
			return err
		}
		drawn, err := s.drawLeased(ctx, id, lease == LeaseExpired)
		if rerr := s.Boards.ReleaseBoard(ctx, id, drawn); err == nil {
			err = rerr
		}
		if err != nil {
			return fmt.Errorf("draw board %d: %w", id, err)
		}
		b, err := s.Boards.Board(ctx, id)
		if err != nil {
			return err
		}
		if b.MessageID != "" && b.Drawn >= b.Version {
			return nil
		}
	}
}

// drawLeased draws the board under its lease and returns the version drawn (0: none). takenOver says the
// lease was taken from a drawer that never released it.
func (s *Service) drawLeased(ctx context.Context, id int64, takenOver bool) (int64, error) {
	b, err := s.Boards.Board(ctx, id)
	if err != nil {
		return 0, err
	}
	if b.MessageID != "" && b.Drawn >= b.Version {
		return b.Drawn, nil
	}
	v, err := s.boardView(ctx, b)
	if err != nil {
		return 0, err
	}
	card := s.Renderer.BoardCard(v)
	if b.MessageID == "" {
		// The key makes a retry after a crash between the send and BoardPosted post nothing twice.
		msg, err := s.Messenger.Send(ctx, Recipient{ChatID: v.Pool.ChatID}, Outgoing{Card: card}, fmt.Sprintf("board-%d", b.ID))
		if err != nil {
			return 0, toChat(v.Pool.ChatID, fmt.Errorf("post board: %w", err))
		}
		if err := s.Boards.BoardPosted(ctx, b.ID, msg); err != nil {
			return 0, err
		}
		if takenOver {
			// The drawer before may have died after Lark took its post: then Lark answered this send with
			// that message (same uuid), which shows the board as it was then, not as sent now. Drawing
			// nothing makes the next pass patch it to the latest version.
			return 0, nil
		}
		return b.Version, nil
	}
	if err := s.Messenger.UpdateCard(ctx, b.MessageID, card); err != nil {
		if permanent(err) {
			// Lark will not update it any more (recalled, past its window): its rows keep their last look;
			// the leads still waiting there get their own cards when the refresh timer re-posts them.
			s.logger().Warn("board can no longer be updated", "board_id", b.ID, "message_id", b.MessageID, "error", err)
			return b.Version, nil
		}
		return 0, fmt.Errorf("update board: %w", err)
	}
	return b.Version, nil
}

// boardView reads what a board shows: each row's lead, customer and owner.
func (s *Service) boardView(ctx context.Context, b *Board) (BoardView, error) {
	pool, err := s.pool(b.Pool)
	if err != nil {
		return BoardView{}, err
	}
	v := BoardView{Board: b, Pool: pool, Now: s.now(), Location: s.location(), Rows: make([]BoardRowView, 0, len(b.Rows))}
	for _, r := range b.Rows {
		l, err := s.Leads.Lead(ctx, r.LeadID)
		if err != nil {
			return BoardView{}, err
		}
		c, err := s.Leads.Customer(ctx, l.CustomerID)
		if err != nil {
			return BoardView{}, err
		}
		row := BoardRowView{Lead: l, Customer: c}
		row.Moved = l.PoolEpoch != r.Epoch || (b.MessageID != "" && l.PoolMessageID != "" && l.PoolMessageID != b.MessageID)
		if l.Owned() {
			row.Owner = s.member(ctx, l.OwnerID)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// BoardCard draws board id as it stands, for the answer to a click on it; the board must list lead.
func (s *Service) BoardCard(ctx context.Context, id, lead int64) ([]byte, error) {
	if s.Boards == nil {
		return nil, Errorf(ENOTFOUND, "boards are off")
	}
	b, err := s.Boards.Board(ctx, id)
	if err != nil {
		return nil, err
	}
	listed := false
	for _, r := range b.Rows {
		listed = listed || r.LeadID == lead
	}
	if !listed {
		return nil, Errorf(ENOTFOUND, "board %d does not list lead %d", id, lead)
	}
	v, err := s.boardView(ctx, b)
	if err != nil {
		return nil, err
	}
	return s.Renderer.BoardCard(v), nil
}
