-- Pull sources' OAuth pairs (巨量引擎, 腾讯广告): the newest access and refresh tokens, encrypted with the
-- data key like personal data, so a pair refreshed by one replica is used by the others and survives a
-- restart. The row is also the refresh lock (SELECT … FOR UPDATE) and records the last failed refresh,
-- which /readyz reports.

CREATE TABLE platform_tokens (
	source              TEXT PRIMARY KEY,
	access_enc          BYTEA,
	refresh_enc         BYTEA,
	seed_enc            BYTEA,
	access_expires_at   TIMESTAMPTZ,
	refresh_expires_at  TIMESTAMPTZ,
	updated_at          TIMESTAMPTZ NOT NULL,
	failed_at           TIMESTAMPTZ,
	failure             TEXT NOT NULL DEFAULT ''
);
