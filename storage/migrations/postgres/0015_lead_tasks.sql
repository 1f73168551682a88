-- Follow-ups as Feishu tasks: which task stands for a lead's follow-up, how far the lead's timeline has been
-- carried over to it (event_id, rev), and when its completion in Feishu was last checked.
CREATE TABLE lead_tasks (
	lead_id    BIGINT PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
	task_guid  TEXT NOT NULL DEFAULT '',
	owner_id   TEXT NOT NULL DEFAULT '',
	due_at     TIMESTAMPTZ,
	done       BOOLEAN NOT NULL DEFAULT FALSE,
	event_id   BIGINT NOT NULL DEFAULT 0,
	rev        BIGINT NOT NULL DEFAULT 0,
	checked_at TIMESTAMPTZ
);
-- The periodic check reads open tasks, least recently checked first.
CREATE INDEX lead_tasks_open ON lead_tasks (checked_at) WHERE task_guid <> '' AND NOT done;
-- Leads with a pending follow-up, for the check's look for leads whose task lags.
CREATE INDEX leads_follow_up ON leads (id) WHERE follow_up_at IS NOT NULL;
