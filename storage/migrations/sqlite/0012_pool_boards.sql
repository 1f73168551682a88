-- Pool boards (see the PostgreSQL file).
ALTER TABLE leads ADD COLUMN pool_card_epoch INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET pool_card_epoch = pool_epoch WHERE pool_message_id IS NOT NULL;

CREATE TABLE pool_boards (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	pool         TEXT NOT NULL,
	message_id   TEXT NOT NULL DEFAULT '',
	row_count    INTEGER NOT NULL DEFAULT 0,
	version      INTEGER NOT NULL DEFAULT 1,
	drawn        INTEGER NOT NULL DEFAULT 0,
	lease_until  TIMESTAMP,
	created_at   TIMESTAMP NOT NULL
);

CREATE INDEX pool_boards_pool ON pool_boards (pool, id);

CREATE TABLE pool_slots (
	lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
	pool_epoch  INTEGER NOT NULL,
	board_id    INTEGER REFERENCES pool_boards (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (lead_id, pool_epoch)
);

CREATE INDEX pool_slots_board ON pool_slots (board_id, position) WHERE board_id IS NOT NULL;
