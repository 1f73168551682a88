-- A returning customer's arrival (a touch) keeps what came with it: the note typed with it ("展会上聊过，
-- 想要报价") and who typed it in chat. Before this the note of a touch was dropped. The note may quote
-- personal details, so erasing a customer blanks it. 0005 is left to another change in flight.
ALTER TABLE touches ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE touches ADD COLUMN author_id TEXT;
