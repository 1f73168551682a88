package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestLeadAPIBadInput: every bad request gets a 4xx naming the problem, never a 5xx, and stores nothing.
func TestLeadAPIBadInput(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	auth := map[string]string{"Authorization": "Bearer " + webToken}
	long := strings.Repeat("长", 101)
	tests := []struct {
		name   string
		hdr    map[string]string
		body   any
		status int
		field  string
		msg    string
	}{
		{"no token", nil, map[string]any{"phone": "13800138000"}, 401, "", "missing credentials"},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, map[string]any{"phone": "13800138000"}, 401, "", "unknown source token"},
		{"not json", auth, "{name:", 400, "", "not valid JSON"},
		{"array", auth, "[1,2]", 400, "", "must be"},
		{"trailing data", auth, `{"phone":"13800138000"} {}`, 400, "", "trailing"},
		{"no contact", auth, map[string]any{"name": "张三"}, 400, "phone", "phone or email is required"},
		{"bad phone", auth, map[string]any{"phone": "12345"}, 400, "phone", "not a"},
		{"phone as number", auth, map[string]any{"phone": 13800138000}, 400, "phone", "must be a string"},
		{"bad email", auth, map[string]any{"email": "a@b"}, 400, "email", "not a valid address"},
		{"unknown field", auth, map[string]any{"phone": "13800138000", "nmae": "x"}, 400, "nmae", "unknown field"},
		{"name too long", auth, map[string]any{"phone": "13800138000", "name": long}, 400, "name", "longer than 100"},
		{"control chars", auth, map[string]any{"phone": "13800138000", "name": "a\x07b"}, 400, "name", "control characters"},
		{"tags not a list", auth, map[string]any{"phone": "13800138000", "tags": "vip"}, 400, "tags", "must be an array"},
		{"too many tags", auth, map[string]any{"phone": "13800138000", "tags": make([]string, 21)}, 400, "tags", "at most 20"},
		{"unknown pool", auth, map[string]any{"phone": "13800138000", "pool": "nowhere"}, 400, "pool", "does not exist"},
		{"invalid utf-8", auth, "{\"phone\":\"13800138000\",\"name\":\"\xff\"}", 400, "name", "not valid UTF-8"},
		{"duplicate key", auth, `{"phone":"13800138000","name":"甲","name":"乙"}`, 400, "name", "more than once"},
		{"inexact integer", auth, `{"phone":"13800138000","attributes":{"order":9007199254740993}}`, 400, "attributes.order", "exactly"},
		{"nul in attributes", auth, `{"phone":"13800138000","attributes":{"k":"\u0000"}}`, 400, "attributes.k", "NUL"},
		{"direction override", auth, map[string]any{"phone": "13800138000", "name": "张\u202e三"}, 400, "name", "direction"},
		{"huge body", auth, `{"phone":"13800138000","note":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "", "larger than"},
	}
	for _, tt := range tests {
		status, body := b.post("/api/v1/leads", tt.hdr, tt.body)
		e, _ := body["error"].(map[string]any)
		if status != tt.status || e == nil || fmt.Sprint(e["field"]) != orNil(tt.field) || !strings.Contains(fmt.Sprint(e["message"]), tt.msg) {
			t.Errorf("%s: got %d %v; want %d field %q message containing %q", tt.name, status, body, tt.status, tt.field, tt.msg)
		}
	}
	// Names that look like markdown, mentions or SQL are stored and shown literally, and never ping anyone.
	for _, name := range []string{"**@all**", `<at id=all></at>`, "'); DROP TABLE leads; --", "王🙂五", "[点我](http://evil.example)"} {
		status, _ := b.post("/api/v1/leads", auth, map[string]any{"name": name, "email": fmt.Sprintf("n%d@example.com", len(name))})
		if status != http.StatusCreated {
			t.Errorf("name %q: status %d", name, status)
		}
	}
	// plain_text shows text literally; only markdown nodes could turn input into mentions or links.
	// Five leads posted back to back may share a pool board: wait until all five are shown.
	b.wait("5 leads shown in the pool chat", func() bool { return len(b.claimableIn(salesChat)) >= 5 })
	for _, c := range b.cardsIn(salesChat) {
		for _, md := range markdownTexts(c.Card) {
			for _, bad := range []string{"<at id=all>", "@all", "](http://evil", "DROP TABLE"} {
				if strings.Contains(md, bad) {
					t.Errorf("markdown on a card carries user input %q: %s", bad, md)
				}
			}
		}
	}
}

// markdownTexts collects the content of every markdown node in a card, in every language.
func markdownTexts(node any) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if n["tag"] == "markdown" {
			out = append(out, fmt.Sprint(n["content"]), fmt.Sprint(n["i18n_content"]))
		}
		for _, v := range n {
			out = append(out, markdownTexts(v)...)
		}
	case []any:
		for _, v := range n {
			out = append(out, markdownTexts(v)...)
		}
	}
	return out
}

func orNil(s string) string {
	if s == "" {
		return "<nil>"
	}
	return s
}

// TestLeadAPIHMACAndBatch: a signed push is accepted only with the right signature, and a batch answers one
// result per item in order, items failing on their own.
func TestLeadAPIHMACAndBatch(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	body := []byte(`{"external_id":"ad-1","name":"王五","phone":"13700137000","campaign":"信息流"}`)
	// The signature covers "<X-Baton-Timestamp>.<body>", the timestamp in unix seconds.
	signed := func(secret string, at time.Time, body []byte) map[string]string {
		ts := strconv.FormatInt(at.Unix(), 10)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "." + string(body)))
		return map[string]string{"X-Baton-Source": "ads", "X-Baton-Timestamp": ts, "X-Baton-Signature": "sha256=" + hex.EncodeToString(m.Sum(nil))}
	}
	status, resp := b.post("/api/v1/leads", signed("wrong", b.clock.Now(), body), body)
	if status != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d %v", status, resp)
	}
	// A signature over the body alone (the format before timestamps) is refused: it could be replayed forever.
	legacy := hmac.New(sha256.New, []byte(adsSecret))
	legacy.Write(body)
	status, resp = b.post("/api/v1/leads", map[string]string{"X-Baton-Source": "ads", "X-Baton-Signature": "sha256=" + hex.EncodeToString(legacy.Sum(nil))}, body)
	if e, _ := resp["error"].(map[string]any); status != http.StatusUnauthorized || !strings.Contains(fmt.Sprint(e["message"]), "X-Baton-Timestamp") {
		t.Fatalf("legacy signature: %d %v", status, resp)
	}
	push := signed(adsSecret, b.clock.Now(), body)
	status, resp = b.post("/api/v1/leads", push, body)
	if status != http.StatusCreated || resp["status"] != "created" {
		t.Fatalf("signed push: %d %v", status, resp)
	}
	// The signature covers the exact bytes: a changed body with the old signature fails.
	status, _ = b.post("/api/v1/leads", push, append(body[:len(body)-1:len(body)-1], ' ', '}'))
	if status != http.StatusUnauthorized {
		t.Fatalf("tampered body accepted: %d", status)
	}
	// A captured push replayed after five minutes is refused.
	b.clock.Advance(6 * time.Minute)
	status, resp = b.post("/api/v1/leads", push, body)
	if e, _ := resp["error"].(map[string]any); status != http.StatusUnauthorized || !strings.Contains(fmt.Sprint(e["message"]), "5 minutes") {
		t.Fatalf("replayed push: %d %v", status, resp)
	}

	batch := map[string]any{"leads": []any{
		map[string]any{"external_id": "b-1", "name": "甲", "phone": "13600136001"},
		map[string]any{"external_id": "b-2", "name": "乙"},
		map[string]any{"external_id": "b-1", "name": "甲", "phone": "13600136001"},
		map[string]any{"external_id": "b-3", "email": "bing@example.com", "bogus": 1},
		// One customer twice in a batch, by two formats of one number: the second is a touch on the first.
		map[string]any{"external_id": "b-4", "name": "丁", "phone": "136 0013 6004"},
		map[string]any{"external_id": "b-5", "name": "丁", "phone": "+86-136-0013-6004"},
	}}
	// Then many independent leads: the batch is written concurrently and every one gets its own result.
	for i := range 150 {
		batch["leads"] = append(batch["leads"].([]any),
			map[string]any{"external_id": fmt.Sprintf("m-%d", i), "phone": fmt.Sprintf("1350000%04d", i)})
	}
	status, resp = b.post("/api/v1/leads/batch", map[string]string{"Authorization": "Bearer " + webToken}, batch)
	results, _ := resp["results"].([]any)
	if status != http.StatusOK || len(results) != 156 {
		t.Fatalf("batch: %d, %d results", status, len(results))
	}
	want := []string{"created", "error:leads[1].phone", "exists", "error:leads[3].bogus", "created", "touch"}
	for range 150 {
		want = append(want, "created")
	}
	ids := map[any]bool{}
	for i, r := range results {
		if m := r.(map[string]any); i >= 6 {
			ids[m["id"]] = true
		}
		m := r.(map[string]any)
		got := fmt.Sprint(m["status"])
		if e, ok := m["error"].(map[string]any); ok {
			got = "error:" + fmt.Sprint(e["field"])
		}
		if got != want[i] {
			t.Errorf("batch result %d = %s, want %s", i, got, want[i])
		}
	}
	if len(ids) != 150 {
		t.Errorf("150 new leads got %d distinct ids", len(ids))
	}
	if created, touched := results[4].(map[string]any)["id"], results[5].(map[string]any)["id"]; created != touched {
		t.Errorf("the touch went to lead %v, not to the lead %v the batch created for that customer", touched, created)
	}
	status, _ = b.post("/api/v1/leads/batch", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"leads": make([]any, 1001)})
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("1001 leads: %d", status)
	}
	if status, _ := b.get("/api/v1/leads/1", ""); status != http.StatusUnauthorized {
		t.Errorf("read without admin token: %d", status)
	}
}

// TestImportCSV: a CSV with a broken row imports the good rows, reports the totals, and writes the broken
// row with its reason to the rejects file.
func TestImportCSV(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	dir := t.TempDir()
	file := filepath.Join(dir, "leads.csv")
	csv := "\ufeffexternal_id,name,phone,email,company,campaign,tags,utm_source,wechat\n" +
		"c-1,赵六,13500135001,,六六科技,双11大促,vip;制造业,baidu,zl66\n" +
		"c-2,钱七,not-a-phone,,,,,,\n" +
		"c-3,孙八,,sun8@example.com,,,,,\n" +
		"c-1,赵六,13500135001,,六六科技,双11大促,,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"import", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil)
	if code != 1 { // rejected rows make the exit status 1
		t.Fatalf("import exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "imported 4 rows") || !strings.Contains(out.String(), "2 created") ||
		!strings.Contains(out.String(), "1 already imported") || !strings.Contains(out.String(), "1 rejected") {
		t.Errorf("summary: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "importing 4/4 (100%)") {
		t.Errorf("no progress shown: %s", errOut.String())
	}
	rej, err := os.ReadFile(filepath.Join(dir, "leads.rejected.csv"))
	if err != nil || !strings.Contains(string(rej), "\n3,") || !strings.Contains(string(rej), "phone is not a") || !strings.Contains(string(rej), "钱七") {
		t.Fatalf("rejects file: %v\n%s", err, rej)
	}
	// The running server's sweeper posts the imported leads' cards.
	b.clock.Advance(2 * time.Minute)
	b.waitCards(salesChat, 2)
}

// TestRouteDryRun prints the rule, the pool and the owner without storing anything.
func TestRouteDryRun(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	file := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(file, []byte(`{"source":"web-form","name":"x","phone":"13800138000","campaign":"双11"}`), 0o600)
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"route", "--dry-run", file}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("route exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "rule:  1") || !strings.Contains(out.String(), "pool:  east") {
		t.Errorf("route output: %s", out.String())
	}
	if _, body := b.get("/api/v1/leads/1", adminToken); body["error"] == nil {
		t.Errorf("dry run stored a lead: %v", body)
	}
}

// TestRouteDryRunNamesPeople: for an assign pool the dry run names who would get the lead and who was
// skipped, with their open_ids beside the names.
func TestRouteDryRunNamesPeople(t *testing.T) {
	b := startBaton(t, e2eOptions{config: `timezone: Asia/Shanghai
sources:
  - {key: web-form, token: "` + webToken + `"}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    mode: assign
    managers: [%[2]s]
    members: [ou_e2e_rep01, ou_e2e_rep02]
routing:
  - {pool: east}
`})
	if code, _, _ := runCLI(t, b.env, "config", "check"); code != 0 {
		t.Fatal("config check failed")
	}
	var out, errOut syncBuffer
	b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"name": "甲", "phone": "13800138001"})
	file := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(file, []byte(`{"name":"x","phone":"13800138000"}`), 0o600)
	if code := run(t.Context(), []string{"route", "--dry-run", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("route exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "owner: 销售0") || !strings.Contains(out.String(), "(ou_e2e_rep0") {
		t.Errorf("route output does not name the owner:\n%s", out.String())
	}
}

// TestLarkIDs: `baton lark ids` lists the bot's chats with their oc_ ids and resolves an email and a mobile
// to named ou_ ids, so an admin can fill baton.yaml; someone unknown is reported and the exit status says so.
func TestLarkIDs(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	b.emu.AddUser(larktest.User{OpenID: repID(2), Name: "销售02", Email: "rep2@example.com", Mobile: "13912340002"})
	code, out, stderr := runCLI(t, b.env, "lark", "ids", "rep2@example.com", "+86 139-1234-0002", "ghost@example.com")
	if code != 1 {
		t.Errorf("exit %d, want 1 (one person not found)\n%s", code, stderr)
	}
	for _, want := range []string{salesChat + "  销售群", opsChat + "  运营", "rep2@example.com  销售02 (" + repID(2) + ")",
		"+86 139-1234-0002  销售02 (" + repID(2) + ")", "ghost@example.com  not found"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
