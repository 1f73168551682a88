package config

import (
	"errors"
	"testing"
)

// pool is a valid pool prefix for error cases that need one; lines 1–4.
const pool = "pools:\n  - key: east\n    name: East\n    chat_id: oc_east\n"

func TestParseSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		env  map[string]string
		want string
	}{
		// Document shape.
		{"syntax", "pools: [\n", nil, "baton.yaml:1: did not find expected node content"},
		{"two documents", "timezone: UTC\n---\ntimezone: UTC\n", nil,
			"baton.yaml: only one YAML document is allowed (found a second ---)"},
		{"not a mapping", "- a\n", nil, "baton.yaml:1: expected a mapping, got a list"},
		{"unknown top key", "timezon: UTC\n", nil,
			"baton.yaml:1: timezon: unknown key (expected one of: timezone, business_hours, sources, pools, routing, ops_channels, digest, feedback_summary, language, tasks, base, fields, grading, assist)"},
		{"duplicate key", "timezone: UTC\ntimezone: UTC\n", nil, "baton.yaml:2: timezone: duplicate key"},
		{"alias", "ops_channels: &c [oc_a]\ndigest: {to: *c}\n", nil, "baton.yaml:2: digest.to: aliases (*name) are not supported"},
		{"wrong kind", "sources: {key: a}\n", nil, "baton.yaml:1: sources: expected a list, got a mapping"},

		// timezone and business_hours.
		{"bad language", "language: fr\n", nil, `baton.yaml:1: language: "fr" is not a language (zh or en)`},
		{"bad timezone", "timezone: Asia/Shanghia\n", nil, `baton.yaml:1: timezone: "Asia/Shanghia" is not an IANA time zone (like Asia/Shanghai)`},
		{"local timezone", "timezone: Local\n", nil, `baton.yaml:1: timezone: "Local" is not an IANA time zone (like Asia/Shanghai)`},
		{"business hours", "business_hours:\n  days: [mon, funday, mon]\n  start: '9am'\n  end: '18:00'\n  holidays: [2026-13-01]\n", nil,
			"baton.yaml:2: business_hours.days[1]: \"funday\" is not a day (mon, tue, wed, thu, fri, sat, sun)\n" +
				"baton.yaml:2: business_hours.days[2]: \"mon\" is listed twice\n" +
				"baton.yaml:3: business_hours.start: \"9am\" is not a time of day (\"HH:MM\")\n" +
				"baton.yaml:5: business_hours.holidays[0]: \"2026-13-01\" is not a date (YYYY-MM-DD)"},
		{"business hours order", "business_hours: {days: [sat], start: '18:00', end: '09:00'}\n", nil,
			`baton.yaml:1: business_hours.end: "09:00" must be after start "18:00"`},
		{"business hours missing", "business_hours: {days: [], start: '09:00'}\n", nil,
			"baton.yaml:1: business_hours.end: required (\"HH:MM\")\n" +
				"baton.yaml:1: business_hours.days: list at least one open day"},

		// ${VAR} expansion.
		{"unset variable", "sources:\n  - {key: a, token: '${NOPE}'}\n", nil,
			"baton.yaml:2: sources[0].token: environment variable NOPE is not set"},
		{"variable value never printed", "timezone: ${TZ_NAME}\n", map[string]string{"TZ_NAME": "hunter2"},
			`baton.yaml:1: timezone: "${TZ_NAME}" is not an IANA time zone (like Asia/Shanghai)`},
		{"lone dollar", "sources:\n  - {key: a, token: 'pa$word'}\n", nil,
			`baton.yaml:2: sources[0].token: a lone "$"; write $$ for a dollar sign or ${VAR} for a variable`},
		{"unterminated", "sources:\n  - {key: a, token: '${A'}\n", nil, `baton.yaml:2: sources[0].token: unterminated "${"`},

		// sources.
		{"sources", "sources:\n  - {key: Web, token: t}\n  - {key: a, secret: s, rate_limit: -1}\n  - {key: a, token: t, rate_limit: fast}\n  - {key: b}\n  - {token: t}\n  - {key: c, tokn: t, token: t}\n", nil,
			"baton.yaml:2: sources[0].key: \"Web\" must be lower-case letters, digits, - and _ (like web-form)\n" +
				"baton.yaml:3: sources[1].rate_limit: must not be negative\n" +
				"baton.yaml:4: sources[2].key: \"a\" is used twice\n" +
				"baton.yaml:4: sources[2].rate_limit: \"fast\" is not a number\n" +
				"baton.yaml:5: sources[3]: give a token (bearer) or a secret (HMAC signature), or both\n" +
				"baton.yaml:6: sources[4].key: required\n" +
				"baton.yaml:7: sources[5].tokn: unknown key (expected one of: key, token, secret, rate_limit, fields, dedupe_window, max_skew, kind, credentials_env, base_url, pull_every, overlap, first_window, repull_after, late_fields, rate, retry_backoff, retry_codes, page_size, write_back, states, reasons, token_url, token_codes, refresh_before, deep_paging)"},

		// pools.
		{"pool required fields", "pools:\n  - mode: auction\n", nil,
			"baton.yaml:1: routing: required when pools are configured; end it with a default rule ({pool: KEY})\n" +
				"baton.yaml:2: pools[0].key: required\n" +
				"baton.yaml:2: pools[0].name: required\n" +
				"baton.yaml:2: pools[0].chat_id: required\n" +
				"baton.yaml:2: pools[0].mode: \"auction\" is not a mode (claim or assign)"},
		{"self_sourced rule", "pools:\n  - {key: east, name: E, chat_id: oc_1, self_sourced: private}\nrouting: [{pool: east}]\n", nil,
			"baton.yaml:2: pools[0].self_sourced: \"private\" is not a self_sourced rule (owner or pool)"},
		{"pool people", pool + "    chat_id: x\n    managers: [boss]\n    members: [ou_a, ou_a]\n    weights: {ou_a: 0, ou_b: 2}\n    limits: {open: -1, daily_claims: 1.5}\n    cooldown: 1w\nrouting: [{pool: east}]\n", nil,
			"baton.yaml:5: pools[0].chat_id: duplicate key\n" +
				"baton.yaml:6: pools[0].managers[0]: \"boss\" is not an open_id (ou_…)\n" +
				"baton.yaml:7: pools[0].members[1]: \"ou_a\" is listed twice\n" +
				"baton.yaml:8: pools[0].weights.ou_a: \"0\" is not a positive whole number\n" +
				"baton.yaml:8: pools[0].weights.ou_b: \"ou_b\" is not in members\n" +
				"baton.yaml:9: pools[0].limits.open: must not be negative\n" +
				"baton.yaml:9: pools[0].limits.daily_claims: \"1.5\" is not a whole number\n" +
				"baton.yaml:10: pools[0].cooldown: \"1w\" is not a duration"},
		{"protection max and warn", pool + "    protection: {default: 10d, max: 9d, warn_before: 10d}\nrouting: [{pool: east}]\n", nil,
			"baton.yaml:5: pools[0].protection.max: 9d must not be shorter than default 10d\n" +
				"baton.yaml:5: pools[0].protection.warn_before: 10d must be shorter than default 10d"},
		{"protection default blamed", pool + "    protection:\n      default: 40d\nrouting: [{pool: east}]\n", nil,
			"baton.yaml:6: pools[0].protection.default: 30d must not be shorter than default 40d"},
		{"protection typo stops cross checks", pool + "    protection: {default: 7days, max: 1d}\nrouting: [{pool: east}]\n", nil,
			`baton.yaml:5: pools[0].protection.default: "7days" is not a duration`},
		{"sla ladders", pool + "    sla:\n      unclaimed:\n        - {after: 15m, do: remind_pool}\n        - {after: 5x, do: escalate}\n        - {after: 10m, do: urgent}\n        - {after: 1h, do: remind_owner}\n        - {do: urgent}\n      first_contact: [{after: 1h, do: auto_assign}, {after: 0s, do: urgent}]\n      first_touch: []\nrouting: [{pool: east}]\n", nil,
			"baton.yaml:8: pools[0].sla.unclaimed[1].after: \"5x\" is not a duration\n" +
				"baton.yaml:9: pools[0].sla.unclaimed[2].after: \"10m\" must be later than the step before (15m)\n" +
				"baton.yaml:10: pools[0].sla.unclaimed[3].do: \"remind_owner\" is not allowed here (remind_pool, escalate, urgent, auto_assign)\n" +
				"baton.yaml:11: pools[0].sla.unclaimed[4].after: required\n" +
				"baton.yaml:12: pools[0].sla.first_contact[0].do: \"auto_assign\" is not allowed here (remind_owner, escalate, urgent)\n" +
				"baton.yaml:12: pools[0].sla.first_contact[1].after: must be longer than 0\n" +
				"baton.yaml:13: pools[0].sla.first_touch: unknown key (expected one of: unclaimed, first_contact, by_grade)"},
		{"duplicate pool", pool + "  - {key: east, name: E2, chat_id: oc_e2}\nrouting: [{pool: east}]\n", nil,
			`baton.yaml:5: pools[1].key: "east" is used twice`},

		// routing.
		{"routing", pool + "sources: [{key: web, token: t}]\nrouting:\n  - {pool: east}\n  - {match: {source: wbe, campaign: 'a[', regoin: x}, pool: west}\n  - {match: {}, pool: east}\n", nil,
			"baton.yaml:7: routing[0]: the default rule (no match) must be the last rule; the rules after it can never match\n" +
				"baton.yaml:8: routing[1].match.source: \"wbe\" is not a source key\n" +
				"baton.yaml:8: routing[1].match.campaign: \"a[\" is not a valid pattern (*, ? and [...] as in path.Match)\n" +
				"baton.yaml:8: routing[1].match.regoin: unknown key (expected one of: source, campaign, region, tags, fields, grade)\n" +
				"baton.yaml:8: routing[1].pool: \"west\" is not a pool key\n" +
				"baton.yaml:9: routing[2]: a second default rule (no match); only one is allowed"},
		{"routing without default", pool + "routing:\n  - {match: {region: north}, pool: east}\n", nil,
			"baton.yaml:6: routing: end with a default rule ({pool: KEY}) so that every lead lands in a pool"},

		// ops_channels and schedules.
		{"ops channels", "ops_channels: [oc_a, ops, oc_a]\n", nil,
			"baton.yaml:1: ops_channels[1]: \"ops\" is not a chat id (oc_…)\n" +
				"baton.yaml:1: ops_channels[2]: \"oc_a\" is listed twice"},
		{"schedules", "digest:\n  cron: '0 9 * *'\n  to: [managers, everyone]\nfeedback_summary: {cron: '@daily', to: []}\n", nil,
			"baton.yaml:2: digest.cron: \"0 9 * *\" is not a 5-field cron line: expected exactly 5 fields, found 4: [0 9 * *]\n" +
				"baton.yaml:3: digest.to[1]: \"everyone\" is not managers, ops_channels or a chat id (oc_…)\n" +
				"baton.yaml:4: feedback_summary.cron: \"@daily\" is not a 5-field cron line: write the five fields instead of a descriptor\n" +
				"baton.yaml:4: feedback_summary.to: list at least one recipient (managers, ops_channels or a chat id oc_…)"},
		{"cron time zone prefix", "digest: {cron: 'TZ=UTC'}\n", nil,
			`baton.yaml:1: digest.cron: "TZ=UTC" is not a 5-field cron line: the time zone comes from timezone, not from the cron line`},
		{"cron range", "digest: {cron: '61 9 * * MON'}\n", nil,
			`baton.yaml:1: digest.cron: "61 9 * * MON" is not a 5-field cron line: end of range (61) above maximum (59): 61`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSettings([]byte(tt.in), "baton.yaml", mapEnv(tt.env))
			if err == nil {
				t.Fatalf("no error; want:\n%s", tt.want)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
