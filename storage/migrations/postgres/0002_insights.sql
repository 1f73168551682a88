-- Ops insights: tags and a note about a customer, a campaign or a source. A row with no target is pending:
-- its author still has to pick which of several matching customers it is about, and it shows nowhere.

CREATE TABLE insights (
	id           BIGSERIAL PRIMARY KEY,
	customer_id  BIGINT REFERENCES customers (id),
	campaign     TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL DEFAULT '',
	tags         JSONB,
	note         TEXT NOT NULL DEFAULT '',
	author_id    TEXT NOT NULL DEFAULT '',
	chat_id      TEXT NOT NULL DEFAULT '',
	message_id   TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX insights_customer ON insights (customer_id, created_at) WHERE customer_id IS NOT NULL;
CREATE INDEX insights_campaign ON insights (campaign, created_at) WHERE campaign <> '';
CREATE INDEX insights_source ON insights (source, created_at) WHERE source <> '';
CREATE INDEX insights_created ON insights (created_at);

