-- Push sources: rejected records and the duplicate-submit window's index (see the PostgreSQL file).
CREATE TABLE push_rejects (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	source       TEXT NOT NULL,
	delivery_id  TEXT NOT NULL DEFAULT '',
	op           TEXT NOT NULL DEFAULT '',
	external_id  TEXT NOT NULL DEFAULT '',
	field        TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL,
	record_enc   BLOB,
	created_at   TIMESTAMP NOT NULL
);

CREATE INDEX push_rejects_source ON push_rejects (source, id);

CREATE INDEX touches_customer_source ON touches (customer_id, source, created_at);
