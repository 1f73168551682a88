-- Feishu Base mirror (baton.yaml base:): which Base record shows each lead and the lead revision it shows.
-- The leads table is the outbox: a lead whose rev passed its row's, or that has no row, is due. A row with
-- a token and no record is a create sent but not answered; it is re-sent with the same client_token.
-- No foreign key to leads: personal-data erasure must not be blocked by a ledger row.

CREATE TABLE base_records (
	table_id   TEXT NOT NULL,
	lead_id    BIGINT NOT NULL,
	record_id  TEXT NOT NULL DEFAULT '',
	rev        BIGINT NOT NULL DEFAULT 0,
	token      TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (table_id, lead_id)
);

CREATE INDEX base_records_record ON base_records (table_id, record_id) WHERE record_id <> '';
