-- A returning customer's arrival (a touch) keeps its note and who typed it in chat (see the PostgreSQL
-- migration of the same number).
ALTER TABLE touches ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE touches ADD COLUMN author_id TEXT;
