-- Digest and feedback roll-ups: which reports were posted (so replicas and retries post each once, and the
-- feedback summary can tell that nothing changed), and the indexes the digest queries read through.

CREATE TABLE posted_reports (
	kind         TEXT NOT NULL,
	key          TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	posted_at    TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (kind, key)
);

-- Wins, losses and revenue of a week per pool.
CREATE INDEX leads_pool_closed ON leads (pool, closed_at) WHERE closed_at IS NOT NULL;
-- First contacts of a week per pool.
CREATE INDEX leads_pool_contact ON leads (pool, first_contact_at) WHERE first_contact_at IS NOT NULL;
-- The owner of a lead at a given time (SLA breaches by rep).
CREATE INDEX lead_owners_lead_at ON lead_owners (lead_id, at);
