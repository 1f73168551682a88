-- Custom lead fields (baton.yaml fields:): plain values as JSON, pii values sealed like a customer's phone.
ALTER TABLE leads ADD COLUMN fields JSONB;
ALTER TABLE leads ADD COLUMN fields_enc BYTEA;

-- The type each field key was first stored with. A key keeps its type for good: values already stored
-- would not read as another type, so `baton config check` and the start refuse a change.
CREATE TABLE field_registry (
	key        TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
