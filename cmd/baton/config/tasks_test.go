package config

import (
	"strings"
	"testing"
	"time"
)

// TestParseTasks: tasks: switches follow-ups as Feishu tasks on, with a link template and a check interval;
// bad values are refused with their line.
func TestParseTasks(t *testing.T) {
	t.Parallel()
	s, err := ParseSettings([]byte("tasks: {enabled: true, link: \"https://crm.example.com/leads/{id}\", check_every: 10m}\n"), "baton.yaml", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Tasks.Enabled || s.Tasks.Link != "https://crm.example.com/leads/{id}" || s.Tasks.CheckEvery != 10*time.Minute {
		t.Fatalf("tasks = %+v", s.Tasks)
	}
	if s, err := ParseSettings([]byte("timezone: Asia/Shanghai\n"), "baton.yaml", mapEnv(nil)); err != nil || s.Tasks.Enabled {
		t.Fatalf("without tasks: %+v, %v", s.Tasks, err)
	}
	for _, bad := range []string{"tasks: {enabled: maybe}", "tasks: {link: crm.example.com}", "tasks: {check_every: 10s}", "tasks: {due: 1h}"} {
		_, err := ParseSettings([]byte(bad+"\n"), "baton.yaml", mapEnv(nil))
		if err == nil || !strings.Contains(err.Error(), "baton.yaml:1") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}
