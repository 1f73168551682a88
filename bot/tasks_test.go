package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/crm"
)

// TestTaskLifecycle: a task is created for the rep with its due time, link and summary; a repeat of the
// client token returns the same task; a new due time and completion reach it; completion in Feishu is read
// back.
func TestTaskLifecycle(t *testing.T) {
	s := newEmulator(t)
	s.AddUser(larktest.User{OpenID: "ou_rep", Name: "Rep"})
	c := newTestClient(t, s, nil)
	ctx := context.Background()
	due := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	spec := crm.TaskSpec{Assignee: "ou_rep", Summary: "跟进线索 #7 / Follow up lead #7", Description: "d", Due: due,
		LinkTitle: "lead #7"}
	guid, err := c.CreateTask(ctx, spec, "baton-lead-7-ev-3")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateTask(ctx, spec, "baton-lead-7-ev-3")
	if err != nil || again != guid {
		t.Fatalf("repeat of the client token: %q, %v; want %q", again, err, guid)
	}
	tasks := s.Tasks()
	if len(tasks) != 1 {
		t.Fatalf("%d tasks, want 1", len(tasks))
	}
	got := tasks[0]
	if !got.Due.Equal(due) || got.AllDay || len(got.Assignees) != 1 || got.Assignees[0] != "ou_rep" ||
		got.Summary != spec.Summary || !strings.Contains(got.LinkURL, s.Config().AppID) {
		t.Fatalf("task = %+v", got)
	}
	later := due.Add(2 * time.Hour)
	if err := c.SetTaskDue(ctx, guid, later); err != nil {
		t.Fatal(err)
	}
	if at, err := c.TaskCompletedAt(ctx, guid); err != nil || !at.IsZero() {
		t.Fatalf("open task completed at %v, %v", at, err)
	}
	if err := s.CompleteTask(guid); err != nil {
		t.Fatal(err)
	}
	if at, err := c.TaskCompletedAt(ctx, guid); err != nil || at.IsZero() {
		t.Fatalf("completed task: %v, %v", at, err)
	}
	if err := c.CompleteTask(ctx, guid, later); err != nil {
		t.Fatal(err)
	}
	if got := s.Tasks()[0]; !got.Due.Equal(later) || !got.CompletedAt.Equal(later) {
		t.Fatalf("after patches: due %v completed %v", got.Due, got.CompletedAt)
	}
}

// TestTaskScopeMissing: without a task scope Lark answers 99991672, which Baton does not retry as temporary.
func TestTaskScopeMissing(t *testing.T) {
	s := newEmulator(t)
	s.AddUser(larktest.User{OpenID: "ou_rep", Name: "Rep"})
	s.RevokeScope("task:task:write")
	c := newTestClient(t, s, nil)
	_, err := c.CreateTask(context.Background(), crm.TaskSpec{Assignee: "ou_rep", Summary: "x", Due: time.Unix(1e9, 0)}, "baton-lead-1-ev-1")
	if Code(err) != larktest.CodeScopeMissing {
		t.Fatalf("err = %v, want code %d", err, larktest.CodeScopeMissing)
	}
	if _, err := c.TaskCompletedAt(context.Background(), "nope"); Code(err) != larktest.CodeScopeMissing {
		t.Fatalf("get without scope: %v", err)
	}
}
