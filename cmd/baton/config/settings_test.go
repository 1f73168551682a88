package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/google/go-cmp/cmp"
)

// mapEnv is a getenv backed by a map, so no test depends on the process environment.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// cmpLocation compares time zones by name; *time.Location has unexported fields cmp cannot see.
var cmpLocation = cmp.Comparer(func(a, b *time.Location) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.String() == b.String()
})

func mustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func mustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

var designEnv = map[string]string{"BATON_TOKEN_WEB_FORM": "tok-web-form-1", "BATON_SECRET_ADS": "sec-ads-2"}

func TestParseSettingsDesignExample(t *testing.T) {
	t.Parallel()
	got, err := ParseSettings(mustReadFile(t, "testdata/design.yaml"), "baton.yaml", mapEnv(designEnv))
	if err != nil {
		t.Fatal(err)
	}
	sh := mustLocation(t, "Asia/Shanghai")
	want := crm.Settings{
		Location: sh,
		BusinessHours: &crm.BusinessHours{
			Location: sh,
			Days:     [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
			Start:    9 * time.Hour,
			End:      18 * time.Hour,
			Holidays: map[string]bool{"2026-10-01": true},
		},
		Sources: []crm.Source{
			{Key: "web-form", Token: "tok-web-form-1"},
			{Key: "ads", Secret: "sec-ads-2"},
		},
		Pools: []crm.Pool{{
			Key:    "east",
			Name:   "华东线索池",
			ChatID: "oc_xxx",
			Mode:   crm.ModeClaim, SelfSourced: crm.SelfSourcedOwner,
			Managers: []string{"ou_manager"},
			Limits:   crm.Limits{Open: 20, DailyClaims: 10},
			Cooldown: 24 * time.Hour,
			Protection: crm.Protection{
				Default: 7 * 24 * time.Hour, ExtendOnActivity: 3 * 24 * time.Hour,
				Max: 30 * 24 * time.Hour, WarnBefore: 24 * time.Hour,
			},
			SLA: crm.SLA{
				Unclaimed: []crm.SLAStep{
					{After: 5 * time.Minute, Action: crm.ActionRemindPool},
					{After: 15 * time.Minute, Action: crm.ActionEscalate},
					{After: 30 * time.Minute, Action: crm.ActionUrgent},
				},
				FirstContact: []crm.SLAStep{
					{After: 2 * time.Hour, Action: crm.ActionRemindOwner},
					{After: 4 * time.Hour, Action: crm.ActionEscalate},
				},
			},
		}},
		Routing: []crm.Rule{
			{Source: "web-form", Campaign: "双11*", Pool: "east"},
			{Pool: "east"},
		},
		OpsChannels:     []string{"oc_ops"},
		Digest:          crm.Schedule{Cron: "0 9 * * MON", To: []string{"managers", "ops_channels"}},
		FeedbackSummary: crm.Schedule{Cron: "0 18 * * MON-FRI", To: []string{"ops_channels"}},
	}
	if diff := cmp.Diff(want, got, cmpLocation); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestParseSettingsExampleFile(t *testing.T) {
	t.Parallel()
	got, err := ParseSettings(mustReadFile(t, "../../../baton.example.yaml"), "baton.example.yaml", mapEnv(designEnv))
	if err != nil {
		t.Fatal(err)
	}
	ka, ok := got.Pool("key-accounts")
	if !ok {
		t.Fatal("pool key-accounts missing")
	}
	// Unset fields of the second pool take the defaults.
	wantKA := crm.Pool{
		Key: "key-accounts", Name: "大客户", ChatID: "oc_fedcba9876543210fedcba9876543210", Mode: crm.ModeAssign, SelfSourced: crm.SelfSourcedOwner,
		Managers: []string{"ou_fedcba9876543210fedcba9876543210"},
		Members:  []string{"ou_1111111111111111111111111111111a", "ou_2222222222222222222222222222222b"},
		Weights:  map[string]int{"ou_1111111111111111111111111111111a": 2},
		Cooldown: 24 * time.Hour,
		Protection: crm.Protection{
			Default: 7 * 24 * time.Hour, ExtendOnActivity: 3 * 24 * time.Hour,
			Max: 30 * 24 * time.Hour, WarnBefore: 24 * time.Hour,
		},
		SLA: crm.SLA{Unclaimed: []crm.SLAStep{{After: 10 * time.Minute, Action: crm.ActionAutoAssign}}},
	}
	if diff := cmp.Diff(wantKA, *ka); diff != "" {
		t.Errorf("key-accounts pool (-want +got):\n%s", diff)
	}
	bh := got.BusinessHours
	if bh == nil || !bh.Workdays["2026-09-27"] || !bh.Holidays["2026-10-02"] || bh.Days[time.Saturday] {
		t.Errorf("business hours = %+v", bh)
	}
	if src, _ := got.Source("ads"); src == nil || src.RateLimit != 5 || src.Secret != "sec-ads-2" {
		t.Errorf("source ads = %+v", src)
	}
	if n := len(got.Routing); n != 3 || got.Routing[0].Tags[0] != "enterprise" {
		t.Errorf("routing = %+v", got.Routing)
	}
}

func TestParseSettingsDefaults(t *testing.T) {
	t.Parallel()
	sh := mustLocation(t, "Asia/Shanghai")
	base := crm.Settings{
		Location:        sh,
		Digest:          crm.Schedule{Cron: "0 9 * * MON", To: []string{"managers"}},
		FeedbackSummary: crm.Schedule{Cron: "0 18 * * MON-FRI", To: []string{"ops_channels"}},
	}
	minimalPool := base
	minimalPool.Pools = []crm.Pool{{
		Key: "p", Name: "P", ChatID: "oc_p", Mode: crm.ModeClaim, SelfSourced: crm.SelfSourcedOwner, Cooldown: 24 * time.Hour,
		Protection: crm.Protection{
			Default: 7 * 24 * time.Hour, ExtendOnActivity: 3 * 24 * time.Hour,
			Max: 30 * 24 * time.Hour, WarnBefore: 24 * time.Hour,
		},
	}}
	minimalPool.Routing = []crm.Rule{{Pool: "p"}}
	partialSchedule := base
	partialSchedule.Location = mustLocation(t, "Europe/Berlin")
	partialSchedule.Digest.To = []string{"oc_x"}
	partialSchedule.FeedbackSummary.Cron = "30 17 * * FRI"

	tests := []struct {
		name, in string
		want     crm.Settings
	}{
		{"empty file", "", base},
		{"comments only", "# nothing yet\n", base},
		{"explicit nulls", "sources:\npools:\nops_channels:\n", base},
		{"minimal pool", "pools: [{key: p, name: P, chat_id: oc_p}]\nrouting: [{pool: p}]\n", minimalPool},
		{"schedule fields default separately",
			"timezone: Europe/Berlin\ndigest: {to: [oc_x]}\nfeedback_summary: {cron: '30 17 * * FRI'}\n", partialSchedule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSettings([]byte(tt.in), "baton.yaml", mapEnv(nil))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpLocation); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSettingsErrorsAreFieldErrors(t *testing.T) {
	t.Parallel()
	_, err := ParseSettings([]byte("timezone: Mars/Olympus\n"), "rules.yaml", mapEnv(nil))
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) holds no *FieldError", err, err)
	}
	want := FieldError{File: "rules.yaml", Line: 1, Path: "timezone", Msg: `"Mars/Olympus" is not an IANA time zone (like Asia/Shanghai)`}
	if diff := cmp.Diff(want, *fe); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRoutingAcceptsChatSource(t *testing.T) {
	t.Parallel()
	yaml := "pools:\n  - {key: east, name: East, chat_id: oc_x}\nrouting:\n  - {match: {source: chat}, pool: east}\n  - {pool: east}\n"
	s, err := ParseSettings([]byte(yaml), "baton.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("chat-entered leads cannot be routed: %v", err)
	}
	if s.Routing[0].Source != "chat" {
		t.Fatalf("rule source = %q", s.Routing[0].Source)
	}
	if _, err := ParseSettings([]byte(strings.Replace(yaml, "source: chat", "source: chta", 1)), "baton.yaml", func(string) string { return "" }); err == nil {
		t.Fatal("a misspelt source was accepted")
	}
}
