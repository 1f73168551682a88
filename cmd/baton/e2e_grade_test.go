package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/jobs"
)

const jdyToken = "tok-jdy-leads-0123456789"

// gradeConfig grades by source, campaign, tags and a custom field (which the leads of TestGradesEndToEnd
// do not carry; TestFieldGrade's do), routes A leads to their own pool and gives C leads in east a faster unclaimed ladder.
const gradeConfig = `timezone: Asia/Shanghai
sources:
  - {key: web-form, token: "` + webToken + `"}
  - {key: jdy-leads, token: "` + jdyToken + `"}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    managers: [%[2]s]
    sla:
      unclaimed: [{after: 30m, do: escalate}]
      by_grade:
        C: {unclaimed: [{after: 5m, do: escalate}]}
  - key: vip
    name: 重点客户池
    chat_id: %[1]s
    managers: [%[2]s]
routing:
  - {match: {grade: A}, pool: vip}
  - {pool: east}
grading:
  rules:
    - {when: "fields.budget >= 100000", points: 30, reason: {zh: 预算≥10万, en: "Budget ≥ 100k"}}
    - {when: "source == 'jdy-leads'", points: 30, reason: {zh: 官网表单, en: Website form}}
    - {when: "campaign startsWith '双11'", points: 20, reason: {zh: 双11活动, en: Singles' Day}}
    - {when: "'决策人' in tags", points: 20, reason: {zh: 决策人, en: Decision maker}}
  thresholds: {A: 60, B: 40, C: 20}
fields:
  - {key: budget, label: {zh: 预算, en: Budget}, type: money, card: true}
ops_channels: [` + opsChat + `]
digest: {cron: "0 9 * * MON", to: [ops_channels]}
`

// TestGradesEndToEnd: leads pushed through the API are graded at intake from their source, campaign and
// tags (a rule over a custom field the lead lacks simply does not fire); the A lead is routed to the pool
// for A leads and its pool card shows the grade with its top reasons; the lead API returns the grade; a C
// lead follows its grade's faster SLA ladder while a D lead keeps the pool's; the weekly digest has a
// by-grade table with leads, win rate and time to claim.
func TestGradesEndToEnd(t *testing.T) {
	clk := &clock{}
	clk.set(at(26, 10, 0)) // Thursday of 2026-W48
	b := startBaton(t, e2eOptions{config: gradeConfig, clock: clk})

	status, body := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + jdyToken},
		map[string]any{"name": "甲", "phone": "13800138001", "campaign": "双11大促", "tags": []string{"决策人"}})
	if status != 201 {
		t.Fatalf("post A lead: %d %v", status, body)
	}
	a := int64(body["id"].(float64))
	c := b.postLead(map[string]any{"name": "丙", "phone": "13800138003", "campaign": "双11"})
	d := b.postLead(map[string]any{"name": "丁", "phone": "13800138004"})
	cards := b.waitCards(salesChat, 3)

	detail := b.lead(a)
	g, _ := detail["grade"].(map[string]any)
	if detail["pool"] != "vip" || g["letter"] != "A" || g["points"] != 70.0 {
		t.Fatalf("A lead: pool %v, grade %v", detail["pool"], detail["grade"])
	}
	reasons, _ := g["reasons"].([]any)
	var got []string
	for _, r := range reasons {
		m := r.(map[string]any)
		got = append(got, fmt.Sprintf("%v/%v/%v", m["zh"], m["en"], m["points"]))
	}
	if want := "官网表单/Website form/30 双11活动/Singles' Day/20 决策人/Decision maker/20"; strings.Join(got, " ") != want {
		t.Errorf("reasons = %v, want %s", got, want)
	}
	for id, want := range map[int64]string{c: "C", d: "D"} {
		l := b.lead(id)
		if g, _ := l["grade"].(map[string]any); l["pool"] != "east" || g["letter"] != want {
			t.Errorf("lead %d: pool %v grade %v, want east and %s", id, l["pool"], l["grade"], want)
		}
	}
	card := withText(cards, "甲")
	if len(card) != 1 || !strings.Contains(card[0].Content, "评级 A · 官网表单 +30 · 双11活动 +20 · 决策人 +20") ||
		!strings.Contains(card[0].Content, "Grade A · Website form +30 · Singles' Day +20 · Decision maker +20") {
		t.Fatalf("A lead's pool card lacks its grade: %+v", card)
	}
	if dc := withText(cards, "丁"); len(dc) != 1 || !strings.Contains(dc[0].Content, "评级 D") {
		t.Errorf("D lead's pool card lacks its grade: %+v", dc)
	}

	// Six minutes on: the C lead's own ladder (5m) escalated it; the D lead waits for the pool's (30m).
	clk.set(at(26, 10, 6))
	b.sweep()
	b.waitDMs(managerID, 1)
	if ec, ed := b.events(c, "escalated"), b.events(d, "escalated"); ec != 1 || ed != 0 {
		t.Fatalf("after 6 min: C escalated %d times, D %d; want 1 and 0", ec, ed)
	}
	clk.set(at(26, 10, 31))
	b.sweep()
	b.wait("the D lead's escalation at 30 min", func() bool { return b.events(d, "escalated") == 1 })

	// The A lead is claimed at once and won; the D lead is claimed late and lost.
	clk.set(at(26, 10, 33))
	if r := b.click(cards[0].ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim A: %+v", r.Toast)
	}
	if r := b.click(withText(cards, "丁")[0].ID, "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim D: %+v", r.Toast)
	}
	ownerA := b.waitDMs(repID(1), 1)[0]
	if r := b.closeLead(ownerA.ID, repID(1), map[string]any{"outcome": "won", "amount": "12000"}); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("close A won: %+v", r.Toast)
	}
	ownerD := b.waitDMs(repID(2), 1)[0]
	if r := b.closeLead(ownerD.ID, repID(2), map[string]any{"outcome": "lost", "lost_reason": "price"}); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("close D lost: %+v", r.Toast)
	}

	clk.set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	b.tick(jobs.TypeDigest)
	digest := b.waitCardWith(opsChat, "2026-W48")
	for _, want := range []string{
		"**按评级**", "**A**：新线索 1 · 赢率 100%（1/1） · 认领用时中位数 33 分钟",
		"**C**：新线索 1 · 赢率 —（无结单） · 认领用时 —",
		"**D**：新线索 1 · 赢率 0%（0/1） · 认领用时中位数 33 分钟",
		"**A**: 1 new leads · win rate 100% (1 of 1) · median time to claim 33 min",
	} {
		if !strings.Contains(digest.Content, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest.Content)
		}
	}
}

// TestFieldGrade: a custom field sent through the API grades the lead (as people write amounts: ¥20万),
// the grade routes it, and the pool card names the field's rule among the reasons; the same lead with a
// smaller budget is graded lower and stays in east. The dry run of such a lead shows the field's rule.
func TestFieldGrade(t *testing.T) {
	b := startBaton(t, e2eOptions{config: gradeConfig})
	big := b.postLead(map[string]any{"name": "甲", "phone": "13800138001", "campaign": "双11", "tags": []string{"决策人"},
		"fields": map[string]any{"budget": "¥20万"}})
	small := b.postLead(map[string]any{"name": "乙", "phone": "13800138002", "campaign": "双11", "tags": []string{"决策人"},
		"fields": map[string]any{"budget": 50000}})
	cards := b.waitCards(salesChat, 2)
	d := b.lead(big)
	if g, _ := d["grade"].(map[string]any); d["pool"] != "vip" || g["letter"] != "A" || g["points"] != 70.0 {
		t.Errorf("budget 20万: pool %v, grade %v", d["pool"], d["grade"])
	}
	if c := withText(cards, "甲"); len(c) != 1 || !strings.Contains(c[0].Content, "评级 A · 预算≥10万 +30 · 双11活动 +20 · 决策人 +20") {
		t.Errorf("A card without the field's reason: %v", c)
	}
	d = b.lead(small)
	if g, _ := d["grade"].(map[string]any); d["pool"] != "east" || g["letter"] != "B" || g["points"] != 40.0 {
		t.Errorf("budget 5万: pool %v, grade %v", d["pool"], d["grade"])
	}
	file := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(file, []byte(`{"name":"x","phone":"13800138000","fields":{"budget":"30万"}}`), 0o600)
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"route", "--dry-run", file}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("route exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "+30 fields.budget >= 100000: 预算≥10万 / Budget ≥ 100k") {
		t.Errorf("dry run lacks the field's rule:\n%s", out.String())
	}
}

// TestRouteDryRunShowsGrade: the dry run prints the grade, its points and every grading rule that fired
// with its reason, and the routing rule that matched on the grade; the lead may come on standard input.
func TestRouteDryRunShowsGrade(t *testing.T) {
	b := startBaton(t, e2eOptions{config: gradeConfig})
	file := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(file, []byte(`{"source":"jdy-leads","name":"x","phone":"13800138000","campaign":"双11","tags":["决策人"]}`), 0o600)
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"route", "--dry-run", file}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("route exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		`rule:  1 (source="" campaign="" region="" tags=[] grade=A)`,
		"pool:  vip (重点客户池, claim mode)",
		"grade: A (70 points; A ≥ 60, B ≥ 40, C ≥ 20, else D)",
		"  +30 source == 'jdy-leads': 官网表单 / Website form\n  +20 campaign startsWith '双11': 双11活动 / Singles' Day\n  +20 '决策人' in tags: 决策人 / Decision maker\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "fields.budget") {
		t.Errorf("the budget rule fired for a lead without a budget:\n%s", out.String())
	}

	os.WriteFile(file, []byte(`{"name":"y","phone":"13800138009"}`), 0o600)
	out = syncBuffer{}
	if code := run(t.Context(), []string{"route", "--dry-run", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("route exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"skipped rule 1: grade \"D\" is not A", "pool:  east", "grade: D (0 points", "  no grading rule fired"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run of a D lead lacks %q:\n%s", want, out.String())
		}
	}

	// /route in chat says the same.
	if _, err := b.emu.SendText(t.Context(), b.emu.P2PChatID(repID(1)), repID(1), "/route source=jdy-leads campaign=双11 tags=决策人"); err != nil {
		t.Fatal(err)
	}
	reply := b.waitDMs(repID(1), 1)[0].Content
	for _, want := range []string{"评级 A（70 分）", "+30 官网表单 · source == 'jdy-leads'", "Grade A (70 points)", "+20 Decision maker · '决策人' in tags"} {
		if !strings.Contains(reply, want) {
			t.Errorf("/route reply lacks %q:\n%s", want, reply)
		}
	}
}

// TestConfigCheckNamesGradingLine: a typo in a grading expression stops `baton config check` with the line.
func TestConfigCheckNamesGradingLine(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "baton.yaml")
	bad := strings.Replace(fmt.Sprintf(gradeConfig, salesChat, managerID), "source == 'jdy-leads'", "soruce == 'jdy-leads'", 1)
	if err := os.WriteFile(cfg, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, map[string]string{"BATON_CONFIG": cfg, "BATON_DATA_DIR": dir}, "config", "check")
	if code == 0 || !strings.Contains(stderr, "baton.yaml:24: grading.rules[1].when: unknown name soruce") {
		t.Errorf("config check: exit %d\n%s", code, stderr)
	}
}

// TestSourceUpdateRegrades: a 简道云 data_update that adds a tag and changes the campaign regrades the lead
// (the customer's region still counts), and its pool card shows the new grade.
func TestSourceUpdateRegrades(t *testing.T) {
	cfg := pushConfig(t) + `grading:
  rules:
    - {when: "'试用' in tags", points: 40, reason: {zh: 要试用, en: Wants a trial}}
    - {when: "campaign == '年终大促'", points: 25, reason: {zh: 年终大促, en: Year-end sale}}
    - {when: "region startsWith '江苏省'", points: 5, reason: {zh: 江苏, en: Jiangsu}}
`
	b := startBaton(t, e2eOptions{config: cfg})
	status, body := b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_create.json"), deliverID: "d-create-1"})
	if status != http.StatusCreated {
		t.Fatalf("data_create: %d %v", status, body)
	}
	id := leadID(t, body)
	card := b.waitCards(salesChat, 1)[0]
	if g, _ := b.lead(id)["grade"].(map[string]any); g["letter"] != "D" || g["points"] != 5.0 || !strings.Contains(card.Content, "评级 D · 江苏 +5") {
		t.Fatalf("created: grade %v, card %s", g, card.Content)
	}
	status, body = b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_update.json"), deliverID: "d-update-1"})
	if status != http.StatusOK || body["status"] != "updated" {
		t.Fatalf("data_update: %d %v", status, body)
	}
	if g, _ := b.lead(id)["grade"].(map[string]any); g["letter"] != "A" || g["points"] != 70.0 {
		t.Fatalf("after data_update: grade %v", g)
	}
	b.wait("the pool card to show grade A", func() bool {
		return strings.Contains(b.message(card.ID).Content, "评级 A · 要试用 +40 · 年终大促 +25 · 江苏 +5")
	})
}
