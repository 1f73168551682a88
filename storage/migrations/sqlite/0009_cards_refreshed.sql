-- When the lead's live card was last re-posted ahead of Lark's 14-day card update window.
ALTER TABLE leads ADD COLUMN cards_refreshed_at TIMESTAMP;
