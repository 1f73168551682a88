-- Pool boards (crm/board.go): a burst of leads into one pool is posted as boards listing up to 20 leads
-- each instead of a card per lead.

-- The pool epoch the lead's pool card was posted for. Until now it was kept only in memory, so a card
-- posted after the lead came back to the pool looked out of date at the next sync. Existing cards are
-- taken to be current.
ALTER TABLE leads ADD COLUMN pool_card_epoch INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET pool_card_epoch = pool_epoch WHERE pool_message_id IS NOT NULL;

CREATE TABLE pool_boards (
	id           BIGSERIAL PRIMARY KEY,
	pool         TEXT NOT NULL,
	message_id   TEXT NOT NULL DEFAULT '',
	row_count    INTEGER NOT NULL DEFAULT 0,
	version      BIGINT NOT NULL DEFAULT 1,  -- bumped when the board needs a redraw
	drawn        BIGINT NOT NULL DEFAULT 0,  -- the version its message shows
	lease_until  TIMESTAMPTZ,                -- one worker draws a board at a time
	created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX pool_boards_pool ON pool_boards (pool, id);

-- How each lead's pool card is shown in each pool epoch: a row on a board (board_id) or a single card
-- (board_id NULL). Written once per lead and epoch, under the pool's lock, so concurrent workers agree.
CREATE TABLE pool_slots (
	lead_id     BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
	pool_epoch  INTEGER NOT NULL,
	board_id    BIGINT REFERENCES pool_boards (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (lead_id, pool_epoch)
);

CREATE INDEX pool_slots_board ON pool_slots (board_id, position) WHERE board_id IS NOT NULL;
