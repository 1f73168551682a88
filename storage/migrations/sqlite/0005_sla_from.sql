-- The SLA ladder gets its own anchor. It used to count from pooled_at or claimed_at, so a manager's
-- extension rewrote those facts and moved the digest's claim-wait and first-contact figures.
ALTER TABLE leads ADD COLUMN sla_from TIMESTAMP;
UPDATE leads SET sla_from = CASE WHEN owner_id IS NULL THEN pooled_at ELSE claimed_at END;
