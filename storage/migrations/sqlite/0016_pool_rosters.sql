-- Pools whose members come from Feishu departments (members_from) keep their members as last read from
-- Lark, so routing after a restart does not wait on Lark. A pool row without member rows is a pool whose
-- departments are empty; no pool row means the pool was never refreshed.
CREATE TABLE pool_rosters (
	pool_key     TEXT PRIMARY KEY,
	refreshed_at TIMESTAMP NOT NULL
);
CREATE TABLE pool_roster_members (
	pool_key TEXT NOT NULL REFERENCES pool_rosters (pool_key) ON DELETE CASCADE,
	open_id  TEXT NOT NULL,
	PRIMARY KEY (pool_key, open_id)
);
CREATE INDEX pool_roster_members_open_id ON pool_roster_members (open_id);
