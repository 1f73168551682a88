-- Follow-ups as Feishu tasks: which task stands for a lead's follow-up, how far the lead's timeline has been
-- carried over to it (event_id, rev), and when its completion in Feishu was last checked.
CREATE TABLE lead_tasks (
	lead_id    INTEGER PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
	task_guid  TEXT NOT NULL DEFAULT '',
	owner_id   TEXT NOT NULL DEFAULT '',
	due_at     TIMESTAMP,
	done       BOOLEAN NOT NULL DEFAULT 0,
	event_id   INTEGER NOT NULL DEFAULT 0,
	rev        INTEGER NOT NULL DEFAULT 0,
	checked_at TIMESTAMP
);
CREATE INDEX lead_tasks_open ON lead_tasks (checked_at) WHERE task_guid <> '' AND NOT done;
CREATE INDEX leads_follow_up ON leads (id) WHERE follow_up_at IS NOT NULL;
