-- PostgreSQL makes the event dedup table unlogged here; SQLite has nothing to change. The version is kept
-- so both dialects share one numbering.
SELECT 1;
