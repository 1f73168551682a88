package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestCustomerExportAndErase: a data-subject request exports everything about a customer, then erases the
// personal fields while the lead's anonymous history stays.
func TestCustomerExportAndErase(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "隐私测试", "phone": "13800138000", "email": "privacy@example.com", "note": "官网留言"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": "客户说打 13800138000 找她"}))

	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"customer", "export", "138 0013 8000"}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("export exit %d: %s", code, errOut.String())
	}
	var exp map[string]any
	if err := json.Unmarshal([]byte(out.String()), &exp); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out.String())
	}
	for _, want := range []string{"隐私测试", "+8613800138000", "privacy@example.com", "官网留言", "客户说打"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("export lacks %q", want)
		}
	}

	if code := run(t.Context(), []string{"customer", "erase", "privacy@example.com"}, b.getenv, &out, &errOut, nil); code != 2 {
		t.Fatalf("erase without --yes: exit %d", code)
	}
	out = syncBuffer{}
	if code := run(t.Context(), []string{"customer", "erase", "privacy@example.com", "--yes"}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("erase exit %d: %s", code, errOut.String())
	}
	errOut = syncBuffer{}
	if code := run(t.Context(), []string{"customer", "export", "13800138000"}, b.getenv, &out, &errOut, nil); code != 1 || !strings.Contains(errOut.String(), "no customer") {
		t.Fatalf("export after erase: exit %d, %s", code, errOut.String())
	}
	l := b.lead(id)
	c, _ := l["customer"].(map[string]any)
	raw, _ := json.Marshal(l)
	if c["name"] != "" || c["phone"] != "" || c["email"] != "" || strings.Contains(string(raw), "13800138000") || strings.Contains(string(raw), "官网留言") {
		t.Fatalf("personal data left after erase: %s", raw)
	}
	if l["stage"] != "new" || !hasEvent(l, "erased") || !hasEvent(l, "claimed") {
		t.Fatalf("anonymous history lost: %s", raw)
	}
	// The owner's card is redrawn without the contact.
	b.sweep()
	b.wait("owner card redrawn", func() bool { return !strings.Contains(b.message(owner.ID).Content, "138 0013 8000") })
}

// TestAccessMatrix: who may claim, update, reassign and open a lead; every refusal is a toast, nothing
// changes, and the attempt is logged without personal data.
func TestAccessMatrix(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "权限", "phone": "13800138001"})
	pool := b.waitCards(salesChat, 1)[0]
	outsider := "ou_outsider"
	lead := itoa(id)
	refused := func(who string, value map[string]any, form map[string]any) {
		t.Helper()
		resp := b.rawClick(pool.ID, who, value, form)
		toast, _ := resp["toast"].(map[string]any)
		if toast == nil || toast["type"] == "success" {
			t.Fatalf("%s %v: not refused: %v", who, value["op"], resp)
		}
	}
	rev := func() int64 { return int64(b.lead(id)["rev"].(float64)) }

	refused(outsider, map[string]any{"v": 1, "op": "claim", "lead": lead, "rev": rev()}, nil) // not a pool member
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("member claim: %+v", r.Toast)
	}
	refused(repID(2), map[string]any{"v": 1, "op": "save", "lead": lead, "rev": rev()}, map[string]any{"stage": "contacted"})
	refused(repID(2), map[string]any{"v": 1, "op": "release", "lead": lead, "rev": rev()}, nil)
	refused(repID(2), map[string]any{"v": 1, "op": "reassign", "lead": lead, "rev": rev(), "to": repID(2)}, nil)
	refused(repID(2), map[string]any{"v": 1, "op": "open", "lead": lead, "rev": rev()}, nil)
	refused(repID(1), map[string]any{"v": 1, "op": "lock", "lead": lead, "rev": rev()}, nil) // managers only
	if l := b.lead(id); l["stage"] != "new" || l["owner"].(map[string]any)["open_id"] != repID(1) {
		t.Fatalf("a refused action changed the lead: %v", l)
	}
	// Managers may update and reassign.
	if resp := b.rawClick(pool.ID, managerID, map[string]any{"v": 1, "op": "save", "lead": lead, "rev": rev()}, map[string]any{"stage": "contacted"}); resp["toast"].(map[string]any)["type"] != "success" {
		t.Fatalf("manager update: %v", resp)
	}
	if resp := b.rawClick(pool.ID, managerID, map[string]any{"v": 1, "op": "reassign", "lead": lead, "rev": 0, "to": repID(2)}, nil); resp["toast"].(map[string]any)["type"] != "success" {
		t.Fatalf("manager reassign: %v", resp)
	}
	b.waitDMs(repID(2), 1) // the new owner gets the full contact
	logs := b.logs.String()
	if n := strings.Count(logs, "card action refused"); n < 6 {
		t.Errorf("refusals logged %d times, want 6", n)
	}
	if strings.Contains(logs, "13800138001") || strings.Contains(logs, "权限") {
		t.Error("refusal logs carry personal data")
	}
}

// TestLogsCarryNoPersonalData runs the main flows with debug logging and fails if any phone number, email,
// customer name or secret reaches the logs.
func TestLogsCarryNoPersonalData(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	phones := []string{"13912345678", "13712345679"}
	b.postLead(map[string]any{"external_id": "pii-1", "name": "日志检查", "phone": phones[0], "email": "pii.check@example.com", "company": "保密公司", "note": "备注含手机 13912345678"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": "回电 13912345678", "stage": "contacted"}))
	b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"name": "坏号码", "phone": "139123"})
	b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"name": "第二位", "phone": phones[1], "email": "second.pii@example.com"})
	ctx := t.Context()
	b.emu.SendText(ctx, b.emu.P2PChatID(repID(2)), repID(2), "/lead 私信录入 13612345670 pii.chat@example.com")
	b.waitDMs(repID(2), 1)
	b.get("/api/v1/leads/1", adminToken)
	b.stop()

	logs := b.logs.String() + b.stdout.String()
	if len(logs) < 1000 {
		t.Fatalf("suspiciously little log output (%d bytes)", len(logs))
	}
	for _, secret := range []string{"日志检查", "保密公司", "私信录入", "pii.check@example.com", "second.pii@example.com", "pii.chat@example.com",
		webToken, adsSecret, adminToken, b.env["LARK_APP_SECRET"], b.env["LARK_ENCRYPT_KEY"], b.env["BATON_DATA_KEY"]} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	// Any run of 7+ digits that is part of a test phone number.
	for _, m := range regexp.MustCompile(`\d{7,}`).FindAllString(logs, -1) {
		for _, p := range append(phones, "13612345670") {
			if strings.Contains(p, m) || strings.Contains(m, p[3:]) {
				t.Errorf("logs contain digits of a phone number: %s", m)
			}
		}
	}
}
