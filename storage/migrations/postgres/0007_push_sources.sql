-- Push sources (简道云 data push, generic webhooks). Records that fail validation are answered 2xx, so the
-- platform stops retrying, and kept here with the reason until ops fix the form or the field map. The
-- record is personal data: it is stored encrypted like a phone number. Version 7 leaves 5 and 6 to changes
-- made in parallel.
CREATE TABLE push_rejects (
	id           BIGSERIAL PRIMARY KEY,
	source       TEXT NOT NULL,
	delivery_id  TEXT NOT NULL DEFAULT '',
	op           TEXT NOT NULL DEFAULT '',
	external_id  TEXT NOT NULL DEFAULT '',
	field        TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL,
	record_enc   BYTEA,
	created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX push_rejects_source ON push_rejects (source, id);

-- The duplicate-submit window looks for the customer's recent touch from the same source.
CREATE INDEX touches_customer_source ON touches (customer_id, source, created_at);
