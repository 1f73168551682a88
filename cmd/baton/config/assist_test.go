package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// TestAssistSettings: assist: is off when absent, all features by default, and bad values are named.
func TestAssistSettings(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	s, err := ParseSettings([]byte("timezone: Asia/Shanghai\n"), "baton.yaml", env)
	if err != nil || s.Assist.BaseURL != "" || s.Assist.On(crm.AssistExtract) {
		t.Fatalf("assist without the section: %+v, %v", s.Assist, err)
	}
	s, err = ParseSettings([]byte(`assist: {base_url: "http://llm.internal/v1", model: qwen2.5-14b-instruct, api_key_env: BATON_ASSIST_KEY}`), "baton.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Assist.Allow, crm.AssistFeatures) || s.Assist.DailyBudget != crm.DefaultAssistDailyBudget || s.Assist.Timeout != crm.DefaultAssistTimeout {
		t.Errorf("defaults: %+v", s.Assist)
	}
	s, err = ParseSettings([]byte(`assist: {base_url: "http://llm/v1", model: m, allow: [brief], daily_budget: 5, timeout: 5s}`), "baton.yaml", env)
	if err != nil || !s.Assist.On(crm.AssistBrief) || s.Assist.On(crm.AssistSummary) || s.Assist.DailyBudget != 5 || s.Assist.Timeout != 5*time.Second {
		t.Errorf("allow, budget, timeout: %+v, %v", s.Assist, err)
	}
	_, err = ParseSettings([]byte(`assist: {base_url: "llm.internal", allow: [chat], api_key_env: "my key"}`), "baton.yaml", env)
	for _, want := range []string{"base_url", "model", "chat", "api_key_env"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}
