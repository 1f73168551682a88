-- When the lead's live card was last re-posted ahead of Lark's 14-day card update window.
ALTER TABLE leads ADD COLUMN cards_refreshed_at TIMESTAMPTZ;
-- A lead stored without cards (a quiet import) has none to re-post until it is claimed, assigned or pooled.
ALTER TABLE leads ADD COLUMN cards_withheld BOOLEAN NOT NULL DEFAULT false;
