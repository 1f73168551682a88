package crm

import (
	"context"
	"time"
)

// Pool boards: a burst of leads into one pool (an import, a backfill, a batch push) is posted as boards, cards
// that list up to BoardSize waiting leads each with its own Claim button, instead of one card per lead. Lark
// lets a bot post 5 messages a second into one chat
// (https://open.feishu.cn/document/server-docs/im-v1/message/create, "同一群组 5 QPS"), so 1,000 cards take
// more than three minutes and bury the chat; 50 boards take ten seconds. A lead on a board has no card of its
// own: its CardState.PoolMessageID is the board's message, so claims, stale clicks, reminders (a reply in the
// board's thread) and the owner DM work as for a single card. Each change to a lead on a board redraws the
// board in place; changes that land while a redraw runs are coalesced into the next one.

// BoardSize is the most leads one board lists. Twenty rows with their Claim buttons stay well inside Lark's
// card limits (30 KB, 200 components; https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure):
// see cards.BoardCard and its size test.
const BoardSize = 20

// Defaults for a pool's board settings (baton.yaml board_after and board_gather).
const (
	// DefaultBoardAfter: boards once more than three leads of a pool wait for their card at once.
	DefaultBoardAfter = 3
	// DefaultBoardGather is how long a new lead's first card waits for the rest of its burst when other
	// leads of the pool are waiting too, so a burst is recognised from its first leads rather than after a
	// few single cards went out. A lead that waits alone is posted at once.
	DefaultBoardGather = 500 * time.Millisecond
)

// boardFill is how long after its creation a board still takes leads that arrive later, while it has room:
// a burst that trickles in over a few seconds fills its boards instead of opening a new one per placement.
const boardFill = 10 * time.Second

// boardLease bounds how long one worker may hold a board's drawing: a worker that dies mid-draw blocks the
// board for this long, after which anyone redraws it.
const boardLease = 30 * time.Second

// BoardLease is what LeaseBoard got.
type BoardLease int

const (
	LeaseHeld    BoardLease = iota // another worker holds the lease
	LeaseFree                      // taken; the last drawer released it
	LeaseExpired                   // taken over from a drawer that never released it: it may have died mid-post
)

// Board is one pool board and the leads it lists, in order.
type Board struct {
	ID        int64
	Pool      string
	MessageID string // "" until posted
	Rows      []BoardRow
	Version   int64 // bumped each time the board must be redrawn (a lead on it changed, rows were added)
	Drawn     int64 // the Version its message shows
	CreatedAt time.Time
}

// BoardRow is one lead on a board, for the pool epoch it was placed in: a lead that left the pool and came
// back has a new epoch and a new card; its old row says so.
type BoardRow struct {
	LeadID int64
	Epoch  int
}

// BoardPlacement asks BoardStore.PlaceLead to decide how a lead's pool card is shown.
type BoardPlacement struct {
	Lead  int64
	Pool  string
	Epoch int // the lead's PoolEpoch
	After int // boards when more than After leads wait
	Size  int // rows per board
	// FillSince: the pool's newest board takes more rows while it has room and was made at or after FillSince.
	FillSince time.Time
	Now       time.Time
}

// BoardStore keeps pool boards and which card shows each lead in each pool epoch. Membership lives in the
// database, so it survives restarts and Redis flushes.
type BoardStore interface {
	// PlaceLead decides, once per lead and epoch, whether the lead gets a single card or a board row. In one
	// transaction serialised per pool (two workers placing leads of one pool never build two boards for the
	// same leads), it returns an earlier decision unchanged; otherwise it counts the pool's leads waiting for
	// a card (open, unowned, no card and no decision for their epoch, the lead itself included). When more
	// than After wait, or the pool's newest board is still filling, every waiting lead is placed on boards,
	// the newest one first while it has room, then new boards of up to Size rows. Otherwise only the lead is
	// recorded for a single card. board is the lead's board (0: a single card); touched lists the boards
	// made or grown, which need drawing.
	PlaceLead(ctx context.Context, p BoardPlacement) (board int64, touched []int64, err error)
	// Waiting counts the pool's leads waiting for a card as PlaceLead would (the lead itself included), up to
	// limit.
	Waiting(ctx context.Context, pool string, leadID int64, limit int) (int, error)
	// BoardOf returns the board showing the lead in epoch: 0 when it has a single card, ENOTFOUND when
	// nothing was decided for it.
	BoardOf(ctx context.Context, leadID int64, epoch int) (int64, error)
	// Board returns the board and its rows, or ENOTFOUND.
	Board(ctx context.Context, id int64) (*Board, error)
	// BoardPosted records the board's message and points each lead on it that has no card for the row's epoch
	// at it, marking an unowned lead's cards as current.
	BoardPosted(ctx context.Context, id int64, messageID string) error
	// TouchBoard bumps the board's version: it needs a redraw.
	TouchBoard(ctx context.Context, id int64) error
	// LeaseBoard takes the board's drawing lease until until, if nobody holds one at now, and says whether
	// it was free or taken over from a drawer that never released it.
	LeaseBoard(ctx context.Context, id int64, now, until time.Time) (BoardLease, error)
	// ReleaseBoard frees the lease and records that the message shows version drawn (never lowering it).
	// When the message now shows the board's latest version, it points the board's leads that have no card
	// for their row's epoch at it, as BoardPosted does: rows added since the board was posted are shown.
	ReleaseBoard(ctx context.Context, id, drawn int64) error
}

// BoardView is everything a board card shows.
type BoardView struct {
	Board    *Board
	Pool     *Pool
	Rows     []BoardRowView
	Now      time.Time
	Location *time.Location
}

// BoardRowView is one row of a board.
type BoardRowView struct {
	Lead     *Lead
	Customer *Customer
	Owner    *Member // nil when unowned
	// Moved marks a lead whose card is no longer this row: it went back to the pool under a new card, or
	// its card was re-posted on its own.
	Moved bool
}

// BoardRenderer draws boards; cards.Renderer implements it.
type BoardRenderer interface {
	// BoardCard is a board in the pool chat: one row per lead, with a Claim button while the lead waits.
	BoardCard(v BoardView) []byte
}
