package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-crm/baton/sandbox"
)

// TestAdminCommandsReadServesConfig: in a sandbox setup (no Lark app, no baton.yaml beside the binary)
// `config check` and `route` read the baton.yaml serve runs on, the one in BATON_DATA_DIR; route takes its
// flags after the file as its usage line shows; and neither prints the embedded-database warning.
func TestAdminCommandsReadServesConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "baton.yaml"), []byte(sandbox.DemoConfig("demo-token-0123456789")), 0o600); err != nil {
		t.Fatal(err)
	}
	lead := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(lead, []byte(`{"name":"x","phone":"13800138000"}`), 0o600)
	env := map[string]string{"BATON_DATA_DIR": dir, "BATON_HTTP_ADDR": "127.0.0.1:0"}

	code, out, stderr := runCLI(t, env, "config", "check")
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "baton.yaml")) || !strings.Contains(out, "configuration ok") {
		t.Errorf("config check: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, env, "route", "--dry-run", lead, "--source", "web-form")
	if code != 0 || !strings.Contains(out, "pool:  east") {
		t.Errorf("route --dry-run FILE --source KEY: exit %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(stderr, "BATON_DATABASE_URL is not set") {
		t.Errorf("route printed the embedded-database warning:\n%s", stderr)
	}
}
