-- Baton's initial schema (PostgreSQL). Personal data lives only in the *_enc columns (AES-256-GCM) and the
-- keyed *_hash columns used for dedupe lookups.

CREATE TABLE customers (
	id          BIGSERIAL PRIMARY KEY,
	name_enc    BYTEA,
	phone_enc   BYTEA,
	phone_hash  BYTEA UNIQUE,
	email_enc   BYTEA,
	email_hash  BYTEA UNIQUE,
	company     TEXT NOT NULL DEFAULT '',
	title       TEXT NOT NULL DEFAULT '',
	region      TEXT NOT NULL DEFAULT '',
	tags        JSONB,
	created_at  TIMESTAMPTZ NOT NULL,
	erased_at   TIMESTAMPTZ
);

CREATE TABLE leads (
	id                BIGSERIAL PRIMARY KEY,
	customer_id       BIGINT NOT NULL REFERENCES customers (id),
	source            TEXT NOT NULL,
	external_id       TEXT,
	campaign          TEXT NOT NULL DEFAULT '',
	utm               JSONB,
	tags              JSONB,
	note              TEXT NOT NULL DEFAULT '',
	attributes        JSONB,
	pool              TEXT NOT NULL,
	stage             TEXT NOT NULL,
	is_open           BOOLEAN NOT NULL,
	owner_id          TEXT,
	rev               BIGINT NOT NULL,
	locked            BOOLEAN NOT NULL DEFAULT FALSE,
	created_at        TIMESTAMPTZ NOT NULL,
	pooled_at         TIMESTAMPTZ,
	claimed_at        TIMESTAMPTZ,
	first_contact_at  TIMESTAMPTZ,
	last_activity_at  TIMESTAMPTZ,
	protected_until   TIMESTAMPTZ,
	follow_up_at      TIMESTAMPTZ,
	closed_at         TIMESTAMPTZ,
	lost_reason       TEXT NOT NULL DEFAULT '',
	value             BIGINT NOT NULL DEFAULT 0,
	prev_owner_id     TEXT,
	released_at       TIMESTAMPTZ,
	sla_step          INTEGER NOT NULL DEFAULT 0,
	warned_at         TIMESTAMPTZ,
	next_due_at       TIMESTAMPTZ,
	pool_message_id   TEXT,
	owner_message_id  TEXT,
	owner_card_for    TEXT,
	cards_rev         BIGINT NOT NULL DEFAULT 0,
	pool_epoch        INTEGER NOT NULL DEFAULT 0,
	updated_at        TIMESTAMPTZ NOT NULL
);

CREATE INDEX leads_customer_open ON leads (customer_id) WHERE is_open;
CREATE INDEX leads_pool_unclaimed ON leads (pool, created_at) WHERE is_open AND owner_id IS NULL;
CREATE INDEX leads_owner_open ON leads (owner_id) WHERE is_open;
CREATE INDEX leads_pool_created ON leads (pool, created_at);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_next_due ON leads (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX leads_unsynced ON leads (updated_at) WHERE cards_rev < rev;

CREATE TABLE touches (
	id           BIGSERIAL PRIMARY KEY,
	lead_id      BIGINT NOT NULL REFERENCES leads (id),
	customer_id  BIGINT NOT NULL REFERENCES customers (id),
	source       TEXT NOT NULL,
	external_id  TEXT,
	campaign     TEXT NOT NULL DEFAULT '',
	utm          JSONB,
	created_at   TIMESTAMPTZ NOT NULL,
	UNIQUE (source, external_id)
);

CREATE INDEX touches_lead ON touches (lead_id, id);
CREATE INDEX touches_campaign ON touches (campaign, created_at);

-- The timeline is append-only: the audit trail, the digests' raw material and the notification outbox.
CREATE TABLE lead_events (
	id           BIGSERIAL PRIMARY KEY,
	lead_id      BIGINT NOT NULL REFERENCES leads (id),
	kind         TEXT NOT NULL,
	actor_id     TEXT,
	at           TIMESTAMPTZ NOT NULL,
	data         JSONB,
	notify       BOOLEAN NOT NULL DEFAULT FALSE,
	notified_at  TIMESTAMPTZ
);

CREATE INDEX lead_events_lead ON lead_events (lead_id, id);
CREATE INDEX lead_events_pending ON lead_events (lead_id) WHERE notify AND notified_at IS NULL;
CREATE INDEX lead_events_actor ON lead_events (actor_id, kind, at);
CREATE INDEX lead_events_kind_at ON lead_events (kind, at);

-- Every change of a lead's owner, derived from the lead rows themselves so claim caps and cooldowns do
-- not depend on how events are worded.
CREATE TABLE lead_owners (
	id          BIGSERIAL PRIMARY KEY,
	lead_id     BIGINT NOT NULL REFERENCES leads (id),
	pool        TEXT NOT NULL,
	from_owner  TEXT,
	to_owner    TEXT,
	at          TIMESTAMPTZ NOT NULL
);

CREATE INDEX lead_owners_to ON lead_owners (to_owner, at);
CREATE INDEX lead_owners_pool ON lead_owners (pool, at);
CREATE INDEX lead_owners_lead_from ON lead_owners (lead_id, from_owner, at);

CREATE TABLE members (
	open_id     TEXT PRIMARY KEY,
	name        TEXT NOT NULL DEFAULT '',
	away        BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at  TIMESTAMPTZ NOT NULL
);

-- Lark delivers events at least once; seen keys expire so the table stays small.
CREATE TABLE seen_events (
	key         TEXT PRIMARY KEY,
	expires_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX seen_events_expires ON seen_events (expires_at);
