package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPushSourcesTestPreviewsWithoutStoring: `baton sources test` maps the sample bodies kept in testdata with
// the source's field map, prints each mapped lead, its pool and every problem, and exits 1 when a record
// would be rejected. It needs no database: nothing is stored.
func TestPushSourcesTestPreviewsWithoutStoring(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "baton.yaml")
	yaml := "sources:" + pushE2EConfigs + "  - {key: web-form, token: t}\n" +
		"pools:\n  - {key: east, name: East, chat_id: oc_x}\nrouting:\n  - {pool: east}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BATON_CONFIG": cfg, "BATON_DATA_DIR": filepath.Join(dir, "data")}
	sample := func(name string) string { return filepath.Join("testdata", "push", name) }

	code, out, errOut := runCLI(t, env, "sources", "test", "jdy-leads", sample("jiandaoyun/data_create.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"(op data_create): create → pool east", "name:       李雷", "phone:      13800138000",
		"region:     江苏省 无锡市 梁溪区 清扬路138号茂业天地", "tags:       产品演示, 报价", "attributes._widget_1007: 王芳",
		"attributes._widget_1008: 120000", "nothing was stored"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "attributes._id") || strings.Contains(out, "attributes.appId") {
		t.Errorf("简道云's system fields leaked into attributes:\n%s", out)
	}

	code, out, errOut = runCLI(t, env, "sources", "test", "jdy-leads", sample("jiandaoyun/data_create_invalid.json"))
	if code != 1 || !strings.Contains(out, "problem: rejected:") || !strings.Contains(out, "phone") ||
		!strings.Contains(errOut, "1 of 1 record(s) would be rejected") {
		t.Errorf("invalid sample: exit %d\n%s%s", code, out, errOut)
	}

	code, out, _ = runCLI(t, env, "sources", "test", "jdy-leads", sample("jiandaoyun/data_remove.json"))
	if code != 0 || !strings.Contains(out, "ignored") {
		t.Errorf("data_remove sample: exit %d\n%s", code, out)
	}

	code, out, _ = runCLI(t, env, "sources", "test", "partner", sample("webhook/partner.json"))
	if code != 0 || !strings.Contains(out, "name:       赵敏") || !strings.Contains(out, "utm.source: partner-site") ||
		!strings.Contains(out, "attributes.contact.wechat: zhaomin_88") {
		t.Errorf("webhook sample: exit %d\n%s", code, out)
	}

	if code, _, errOut := runCLI(t, env, "sources", "test", "web-form", sample("webhook/partner.json")); code != 1 || !strings.Contains(errOut, "has no kind") {
		t.Errorf("a source without a kind: exit %d, %s", code, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "data")); len(entries) != 0 {
		t.Errorf("sources test wrote to the data dir: %v", entries)
	}
}
