package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"database/sql"
	"fmt"
	"github.com/baton-crm/baton/bot/larktest"
	"net/http"
	"strings"
	"testing"
)

// fieldsConfig is a baton.yaml with custom fields and two pools: leads from manufacturing with a budget of at
// least 100000 go to the big pool (in the ops chat), the rest to east.
const fieldsConfig = `timezone: Asia/Shanghai
sources:
  - {key: web-form, token: "` + webToken + `"}
fields:
  - {key: budget, label: {zh: 预算, en: Budget}, type: money, card: true, routable: true}
  - key: industry
    label: {zh: 行业, en: Industry}
    type: select
    card: true
    routable: true
    options:
      - {value: manufacturing, zh: 制造, en: Manufacturing}
      - {value: retail, zh: 零售, en: Retail}
  - {key: wechat, label: {zh: 微信, en: WeChat}, type: text, pii: true, card: true}
  - {key: sign_date, label: {zh: 签约日期, en: Sign date}, type: date}
  - {key: products, label: {zh: 产品, en: Products}, type: multiselect, options: [{value: crm, zh: 客户管理, en: CRM}, {value: erp, zh: 企业资源, en: ERP}]}
  - {key: head_count, label: {zh: 人数, en: Head count}, type: number}
  - {key: trial, label: {zh: 试用, en: Trial}, type: bool}
  - {key: contact, label: {zh: 对接人, en: Contact}, type: member}
  - {key: source_kind, label: {zh: 渠道, en: Channel}, type: text, required: true}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    managers: [%[2]s]
  - key: big
    name: 大客户池
    chat_id: ` + opsChat + `
    managers: [%[2]s]
routing:
  - {match: {fields: {industry: 制造, budget: ">=100000"}}, pool: big}
  - {pool: east}
`

// TestFieldsAPI: a lead's custom fields go in through the API (labels and amounts as people write them),
// come out normalised from GET /api/v1/leads/{id}, route the lead, and a pii field is sealed at rest.
func TestFieldsAPI(t *testing.T) {
	b := startBaton(t, e2eOptions{config: fieldsConfig})
	id := b.postLead(map[string]any{"name": "张三", "phone": "13800138001", "fields": map[string]any{
		"budget": "¥20万", "industry": "制造", "wechat": "zhang-wx-42", "sign_date": "2026/3/5",
		"products": []any{"CRM", "erp"}, "head_count": 120, "trial": true, "contact": repID(1), "source_kind": "展会"}})
	d := b.lead(id)
	if d["pool"] != "big" {
		t.Errorf("pool = %v, want big (routed by industry and budget)", d["pool"])
	}
	want := map[string]string{"budget": "200000", "industry": "manufacturing", "wechat": "zhang-wx-42",
		"sign_date": "2026-03-05", "products": "[crm erp]", "head_count": "120", "trial": "true", "contact": repID(1), "source_kind": "展会"}
	got, _ := d["fields"].(map[string]any)
	for k, v := range want {
		if fmt.Sprint(got[k]) != v {
			t.Errorf("fields.%s = %v, want %s", k, got[k], v)
		}
	}
	// A smaller budget goes to east.
	small := b.postLead(map[string]any{"phone": "13800138002", "fields": map[string]any{"budget": 5000, "industry": "manufacturing", "source_kind": "web"}})
	if p := b.lead(small)["pool"]; p != "east" {
		t.Errorf("small budget pool = %v, want east", p)
	}

	// At rest: the pii value is sealed in fields_enc, the others are plain JSON.
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var plain string
	var sealed []byte
	if err := db.QueryRow(`SELECT coalesce(fields::text, ''), fields_enc FROM leads WHERE id = $1`, id).Scan(&plain, &sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "zhang-wx") || strings.Contains(string(sealed), "zhang-wx") || len(sealed) == 0 {
		t.Errorf("wechat is not sealed at rest: fields=%s fields_enc=%q", plain, sealed)
	}
	if !strings.Contains(plain, `"industry": "manufacturing"`) {
		t.Errorf("plain fields = %s, want industry in it", plain)
	}
	if strings.Contains(b.logs.String(), "zhang-wx") {
		t.Error("the pii field value was logged")
	}
}

// TestFieldsAPIBadInput: unknown keys, wrong types, bad options and missing required fields get a 400 naming
// the field, and nothing is stored.
func TestFieldsAPIBadInput(t *testing.T) {
	b := startBaton(t, e2eOptions{config: fieldsConfig})
	auth := map[string]string{"Authorization": "Bearer " + webToken}
	ok := map[string]any{"source_kind": "web"}
	with := func(k string, v any) map[string]any {
		f := map[string]any{}
		for kk, vv := range ok {
			f[kk] = vv
		}
		f[k] = v
		return f
	}
	tests := []struct {
		name   string
		fields any
		field  string
		msg    string
	}{
		{"unknown key", with("budgte", 1), "fields.budgte", "no custom field"},
		{"money as bool", with("budget", true), "fields.budget", "must be"},
		{"money not an amount", with("budget", "lots"), "fields.budget", "amount"},
		{"bad option", with("industry", "farming"), "fields.industry", "no option"},
		{"option as number", with("industry", 3), "fields.industry", "must be"},
		{"bad multiselect option", with("products", []any{"crm", "hr"}), "fields.products", "no option"},
		{"bad date", with("sign_date", "next week"), "fields.sign_date", "date"},
		{"number as text", with("head_count", "many"), "fields.head_count", "number"},
		{"bool as text", with("trial", "maybe"), "fields.trial", "true or false"},
		{"text as object", with("wechat", map[string]any{"id": 1}), "fields.wechat", "string"},
		{"required missing", map[string]any{"budget": 1}, "fields.source_kind", "required"},
		{"fields not an object", "budget=1", "fields", "object"},
	}
	for i, tt := range tests {
		status, body := b.post("/api/v1/leads", auth, map[string]any{"phone": fmt.Sprintf("1390000%04d", i), "fields": tt.fields})
		e, _ := body["error"].(map[string]any)
		if status != http.StatusBadRequest || e == nil || fmt.Sprint(e["field"]) != tt.field || !strings.Contains(fmt.Sprint(e["message"]), tt.msg) {
			t.Errorf("%s: got %d %v; want 400 field %q message containing %q", tt.name, status, body, tt.field, tt.msg)
		}
	}
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM leads`).Scan(&n); err != nil || n != 0 {
		t.Errorf("leads stored after bad input: %d (%v)", n, err)
	}
}

// TestFieldsChat: custom fields through /lead key=value, the /lead form, and the owner card's details
// form; the pool card masks a pii field.
func TestFieldsChat(t *testing.T) {
	b := startBaton(t, e2eOptions{config: fieldsConfig})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dm := b.emu.P2PChatID(repID(1))
	say := func(text string, n int) string {
		t.Helper()
		if _, err := b.emu.SendText(ctx, dm, repID(1), text); err != nil {
			t.Fatal(err)
		}
		return b.waitDMs(repID(1), n)[n-1].Content
	}
	// Self-sourced: the rep who types the lead owns it, so the owner card arrives after the reply.
	if c := say("/lead 周九 13300133000 预算=5万 industry=零售 wechat=zhou-wx-9 source_kind=展会", 1); !strings.Contains(c, "Lead #1 created") {
		t.Fatalf("/lead reply: %s", c)
	}
	f := b.lead(1)["fields"].(map[string]any)
	if f["budget"] != 50000.0 || f["industry"] != "retail" || f["wechat"] != "zhou-wx-9" || f["source_kind"] != "展会" {
		t.Errorf("/lead fields = %v", f)
	}
	b.waitDMs(repID(1), 2) // the owner card
	if c := say("/lead 吴十 13200132001 budget=很多 source_kind=x", 3); !strings.Contains(c, "fields.budget") {
		t.Errorf("/lead with a bad amount: %s", c)
	}
	var ownerCard larktest.Message
	for _, c := range b.dmCards(repID(1)) {
		if strings.Contains(c.Content, "fields_submit") {
			ownerCard = c
		}
	}
	if !strings.Contains(ownerCard.Content, "zhou-wx-9") {
		t.Errorf("owner card does not show the pii field in full: %s", ownerCard.Content)
	}

	// The owner edits the fields: a new budget and industry, the date picker's value with its zone.
	r := b.click(ownerCard.ID, "fields_submit", repID(1), larktest.FormValue(map[string]any{
		"f_budget": "30万", "f_industry": "manufacturing", "f_sign_date": "2026-03-05 +0800"}))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("fields form: %+v", r.Toast)
	}
	f = b.lead(1)["fields"].(map[string]any)
	if f["budget"] != 300000.0 || f["industry"] != "manufacturing" || f["sign_date"] != "2026-03-05" {
		t.Errorf("after the edit fields = %v", f)
	}
	if b.events(1, "fields_updated") != 1 {
		t.Errorf("no fields_updated event on the timeline")
	}
	// A required field cannot be cleared; nothing changes.
	ownerCard = b.message(ownerCard.ID)
	r = b.click(ownerCard.ID, "fields_submit", repID(1), larktest.FormValue(map[string]any{"f_source_kind": ""}))
	if r.Toast == nil || r.Toast.Type != "error" || !strings.Contains(r.Toast.I18n["en_us"], "required") {
		t.Errorf("clearing a required field: %+v", r.Toast)
	}
	if b.lead(1)["fields"].(map[string]any)["source_kind"] != "展会" {
		t.Error("a refused edit changed the lead")
	}

	// The /lead form has one input per field; its values are checked like the API's.
	if c := say("/lead", len(b.dmCards(repID(1)))+1); !strings.Contains(c, "f_budget") || !strings.Contains(c, "multi_select_static") {
		t.Fatalf("/lead form: %s", c)
	}
	dms := b.dmCards(repID(1))
	form := dms[len(dms)-1]
	r = b.click(form.ID, "lead_submit", repID(1), larktest.FormValue(map[string]any{"name": "郑十一", "phone": "13100131000",
		"f_budget": "8000", "f_industry": "retail", "f_products": []any{"crm", "erp"}, "f_trial": "true", "f_source_kind": "表单"}))
	if r.Toast == nil || !strings.Contains(r.Toast.I18n["en_us"], "created") {
		t.Fatalf("lead form submit: %+v", r.Toast)
	}
	f = b.lead(2)["fields"].(map[string]any)
	if f["budget"] != 8000.0 || fmt.Sprint(f["products"]) != "[crm erp]" || f["trial"] != true {
		t.Errorf("form lead fields = %v", f)
	}

	// A lead from the API waits in the pool: its pool card masks the pii field.
	id := b.postLead(map[string]any{"phone": "13800138009", "fields": map[string]any{"wechat": "secret-wx-77", "budget": 100, "source_kind": "web"}})
	var poolCard string
	b.wait("the API lead's pool card", func() bool {
		for _, c := range b.cardsIn(salesChat) {
			if strings.Contains(c.Content, "138****8009") {
				poolCard = c.Content
				return true
			}
		}
		return false
	})
	if strings.Contains(poolCard, "secret-wx-77") || !strings.Contains(poolCard, "s***") {
		t.Errorf("pool card of lead %d does not mask the pii field: %s", id, poolCard)
	}
}

// TestFieldsImportAndTypeChange: an import fills custom fields by key or label, a bad value refuses the row
// naming the field; then `baton config check` and the server refuse a field whose type changed, explaining
// why, and accept the configuration back as it was.
func TestFieldsImportAndTypeChange(t *testing.T) {
	b := startBaton(t, e2eOptions{config: fieldsConfig})
	dir := t.TempDir()
	file := filepath.Join(dir, "leads.csv")
	csv := "姓名,手机,预算,Industry,products,source_kind\n" +
		"甲,13700000001,¥20万,制造,\"CRM,ERP\",展会\n" +
		"乙,13700000002,3000,零售,,web\n" +
		"丙,13700000003,不知道,零售,,web\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"import", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil)
	if code != 1 || !strings.Contains(out.String(), "1 rejected") {
		t.Fatalf("import exit %d (want 1: one row refused)\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	rej, err := os.ReadFile(filepath.Join(dir, "leads.rejected.csv"))
	if err != nil || !strings.Contains(string(rej), "fields.budget") {
		t.Errorf("rejects file does not name fields.budget: %s (%v)", rej, err)
	}
	db, err := sql.Open("pgx", b.env["BATON_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, pool FROM leads ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]string{}
	var ids []int64
	var big int64 // rows import concurrently: find the 200000 lead by its pool
	for rows.Next() {
		var id int64
		var pool string
		rows.Scan(&id, &pool)
		ids = append(ids, id)
		f, _ := b.lead(id)["fields"].(map[string]any)
		pools[fmt.Sprint(f["budget"])] = pool
		if pool == "big" {
			big = id
		}
		if f["budget"] == 200000.0 && (f["industry"] != "manufacturing" || fmt.Sprint(f["products"]) != "[crm erp]") {
			t.Errorf("imported fields = %v", f)
		}
	}
	rows.Close()
	if len(ids) != 2 || pools["200000"] != "big" || pools["3000"] != "east" {
		t.Errorf("imported leads by budget → pool: %v (ids %v)", pools, ids)
	}
	b.stop()

	// The budget becomes a number: refused, by config check and at start, with the reason.
	changed := strings.Replace(fieldsConfig, "{key: budget, label: {zh: 预算, en: Budget}, type: money", "{key: budget, label: {zh: 预算, en: Budget}, type: number", 1)
	path := b.env["BATON_CONFIG"]
	if err := os.WriteFile(path, []byte(fmt.Sprintf(changed, salesChat, managerID)), 0o600); err != nil {
		t.Fatal(err)
	}
	var cout, cerr syncBuffer
	if code := run(t.Context(), []string{"config", "check"}, b.getenv, &cout, &cerr, nil); code != 1 ||
		!strings.Contains(cerr.String(), "budget: type changed from money to number") || !strings.Contains(cerr.String(), "new key") {
		t.Errorf("config check on a type change: exit %d\n%s%s", code, cout.String(), cerr.String())
	}
	var sout, serr syncBuffer
	if code := run(t.Context(), []string{"serve"}, b.getenv, &sout, &serr, nil); code == 0 || !strings.Contains(serr.String(), "type changed from money to number") {
		t.Errorf("serve with a type change: exit %d\n%s", code, tail(serr.String(), 2000))
	}
	// Removing the field instead is fine: its values stay stored, hidden.
	removed := strings.Replace(fieldsConfig, "  - {key: budget, label: {zh: 预算, en: Budget}, type: money, card: true, routable: true}\n", "", 1)
	removed = strings.Replace(removed, `, budget: ">=100000"`, "", 1)
	if err := os.WriteFile(path, []byte(fmt.Sprintf(removed, salesChat, managerID)), 0o600); err != nil {
		t.Fatal(err)
	}
	cout, cerr = syncBuffer{}, syncBuffer{}
	if code := run(t.Context(), []string{"config", "check"}, b.getenv, &cout, &cerr, nil); code != 0 {
		t.Errorf("config check without the field: exit %d\n%s", code, cerr.String())
	}
	b.start()
	if f := b.lead(big)["fields"].(map[string]any); f["budget"] != nil || f["industry"] != "manufacturing" {
		t.Errorf("after removing budget, fields = %v", f)
	}
	var raw string
	if err := db.QueryRow(`SELECT fields::text FROM leads WHERE id = $1`, big).Scan(&raw); err != nil || !strings.Contains(raw, `"budget": 200000`) {
		t.Errorf("removed field's value not kept: %s (%v)", raw, err)
	}
}
