-- Event dedup records are written for every Lark event and card tap and live for hours. They need no
-- write-ahead log: after a crash (not a clean restart) PostgreSQL empties an unlogged table, and the worst
-- that follows is one redelivered event handled twice, which handlers already tolerate (they re-read
-- state and check card revisions before acting).
ALTER TABLE seen_events SET UNLOGGED;
