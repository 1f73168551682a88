-- Digest and feedback roll-ups: which reports were posted (so replicas and retries post each once, and the
-- feedback summary can tell that nothing changed), and the indexes the digest queries read through.

CREATE TABLE posted_reports (
	kind         TEXT NOT NULL,
	key          TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	posted_at    TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (kind, key)
);

-- A week's events of one kind across every pool, with the lead and event ids in the index: the digest
-- keeps its pool's events by joining ids only (index-only scans) and reads just those rows from the table.
-- It replaces lead_events_kind_at, whose key it repeats.
CREATE INDEX lead_events_kind_at_lead ON lead_events (kind, at) INCLUDE (lead_id, id);
DROP INDEX lead_events_kind_at;
-- The leads of a pool, by id, without touching the table.
CREATE INDEX leads_pool_id ON leads (pool, id);
-- Wins, losses and revenue of a week per pool.
CREATE INDEX leads_pool_closed ON leads (pool, closed_at) WHERE closed_at IS NOT NULL;
-- First contacts of a week per pool.
CREATE INDEX leads_pool_contact ON leads (pool, first_contact_at) WHERE first_contact_at IS NOT NULL;
-- The owner of a lead at a given time (SLA breaches by rep).
CREATE INDEX lead_owners_lead_at ON lead_owners (lead_id, at);
