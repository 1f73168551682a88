-- Pull sources (巨量引擎 飞鱼, 腾讯广告): how far each source's pulls got, the platform's clues Baton pulled
-- (so late-filled fields are fetched once more), and the ledger of timeline events reported back to the
-- platform (write-back). The timeline itself is the outbox: an event with no ledger row is still to report.
-- No foreign keys to leads or lead_events: personal-data erasure must not be blocked by a ledger row.

CREATE TABLE source_pulls (
	source        TEXT PRIMARY KEY,
	pulled_until  TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE source_clues (
	source       TEXT NOT NULL,
	external_id  TEXT NOT NULL,
	lead_id      BIGINT,
	created_at   TIMESTAMPTZ NOT NULL,
	repull_at    TIMESTAMPTZ,
	repulled_at  TIMESTAMPTZ,
	PRIMARY KEY (source, external_id)
);

CREATE INDEX source_clues_repull ON source_clues (source, repull_at) WHERE repull_at IS NOT NULL AND repulled_at IS NULL;

CREATE TABLE source_writebacks (
	event_id  BIGINT PRIMARY KEY,
	source    TEXT NOT NULL,
	lead_id   BIGINT NOT NULL,
	state     TEXT NOT NULL DEFAULT '',
	outcome   TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT '',
	at        TIMESTAMPTZ NOT NULL
);

CREATE INDEX source_writebacks_source ON source_writebacks (source, at);
