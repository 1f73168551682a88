-- The digest credits a first contact to whoever made it, from a first_contact event on the timeline
-- (Baton writes one with each first contact from now on). Leads contacted before this version get one
-- dated at their recorded first contact and credited, as the digest did until now, to their owner.
INSERT INTO lead_events (lead_id, kind, actor_id, at, notify)
SELECT l.id, 'first_contact', l.owner_id, l.first_contact_at, FALSE FROM leads l
WHERE l.first_contact_at IS NOT NULL AND l.owner_id IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM lead_events e WHERE e.lead_id = l.id AND e.kind = 'first_contact');
