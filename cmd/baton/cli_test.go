package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs a baton command with the given environment and returns its exit code and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	code := run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut, nil)
	return code, out.String(), errOut.String()
}

// TestStartupProblemsAreOneClearLine: a broken config file, an unreachable database or Redis end the
// process with a non-zero status and a message naming the problem, never a panic or a stack trace.
func TestStartupProblemsAreOneClearLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "baton.yaml")
	os.WriteFile(bad, []byte("pools:\n  - key: east\n    name: East\n    chat_id: oc_x\n    sla:\n      unclaimed: [{after: 5x, do: remind_pool}]\nrouting:\n  - {pool: east}\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("pools:\n  - {key: east, name: East, chat_id: oc_x}\nrouting:\n  - {pool: east}\n"), 0o600)
	base := map[string]string{"BATON_DATA_DIR": dir, "BATON_HTTP_ADDR": "127.0.0.1:0", "LARK_APP_ID": "cli_x",
		"LARK_APP_SECRET": "s", "LARK_ENCRYPT_KEY": "k", "BATON_DATA_KEY": strings.Repeat("cd", 32)}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad duration", with("BATON_CONFIG", bad), []string{"serve"}, `baton.yaml:6: pools[0].sla.unclaimed[0].after: "5x" is not a duration`},
		{"config check", with("BATON_CONFIG", bad), []string{"config", "check"}, `"5x" is not a duration`},
		{"no database", with("BATON_CONFIG", good, "BATON_DATABASE_URL", "postgres://baton@127.0.0.1:1/baton?sslmode=disable&connect_timeout=2"), []string{"serve"}, "127.0.0.1:1"},
		{"no redis", with("BATON_CONFIG", good, "BATON_REDIS_URL", "redis://127.0.0.1:1/0"), []string{"serve"}, "redis"},
		{"bad log level", with("BATON_LOG_LEVEL", "loud"), []string{"serve"}, "BATON_LOG_LEVEL"},
		{"unknown command", base, []string{"frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.env, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want non-zero and %q", tt.name, code, stderr, tt.want)
		}
		for _, bad := range []string{"panic", "goroutine ", ".go:"} {
			if strings.Contains(stderr, bad) {
				t.Errorf("%s: stderr looks like a crash (%q):\n%s", tt.name, bad, stderr)
			}
		}
	}
	if code, out, _ := runCLI(t, with("BATON_CONFIG", good, "BATON_API_TOKEN", "secret-admin-token-123"), "config", "check"); code != 0 || strings.Contains(out, "secret-admin-token-123") || !strings.Contains(out, "configuration ok") {
		t.Errorf("config check on a good file: exit %d\n%s", code, out)
	}
	for _, cmd := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"import", "--help"}, {"route", "--help"}, {"customer", "--help"}, {"config", "--help"}} {
		if code, _, stderr := runCLI(t, base, cmd...); code != 0 || !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: exit %d, %q", cmd, code, stderr)
		}
	}
}
