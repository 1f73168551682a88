-- Pull sources' OAuth pairs (巨量引擎, 腾讯广告): the newest access and refresh tokens, encrypted with the
-- data key like personal data, so a refreshed pair survives a restart. SQLite serialises writers, so the
-- refresh takes the database's write lock instead of a row lock. The row also records the last failed
-- refresh, which /readyz reports.

CREATE TABLE platform_tokens (
	source              TEXT PRIMARY KEY,
	access_enc          BLOB,
	refresh_enc         BLOB,
	seed_enc            BLOB,
	access_expires_at   TIMESTAMP,
	refresh_expires_at  TIMESTAMP,
	updated_at          TIMESTAMP NOT NULL,
	failed_at           TIMESTAMP,
	failure             TEXT NOT NULL DEFAULT ''
);
