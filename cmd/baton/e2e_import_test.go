package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

const importE2EConfig = `timezone: Asia/Shanghai
sources:
  - {key: web-form, token: "` + webToken + `"}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    mode: claim
    managers: [%[2]s]
    protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}
    sla:
      unclaimed: [{after: 5m, do: remind_pool}, {after: 15m, do: escalate}]
      first_contact: [{after: 1h, do: remind_owner}, {after: 2h, do: escalate}]
routing:
  - {pool: east}
`

// TestMigrationImportIsQuiet: moving 200 rows from an old CRM with their owners (an open_id, an email, a
// mobile) and --quiet posts no card per lead and no SLA message, even hours and days later; each owner
// gets one summary DM, the manager one summary card; the leads left in the pool are listed by /pool; the
// original dates are kept; refused rows go to a rejects file Excel opens (UTF-8 with BOM, reasons in
// Chinese and English).
func TestMigrationImportIsQuiet(t *testing.T) {
	b := startBaton(t, e2eOptions{config: importE2EConfig})
	b.emu.AddUser(larktest.User{OpenID: repID(2), Name: "销售02", Email: "rep2@example.com"})
	b.emu.AddUser(larktest.User{OpenID: repID(3), Name: "销售03", Mobile: "13912340003"})
	sh, _ := time.LoadLocation("Asia/Shanghai")
	created := b.clock.Now().In(sh).AddDate(0, 0, -40).Truncate(time.Minute)
	claimed := created.AddDate(0, 0, 10)
	var csv strings.Builder
	csv.WriteString("编号,姓名,手机,公司,负责人,创建时间,认领时间\n")
	owners := []string{"", repID(1), "rep2@example.com", "+86 139 1234 0003"}
	for i := range 198 {
		fmt.Fprintf(&csv, "old-%03d,客户%03d,137%08d,公司%03d,%s,%s,", i, i, i, i, owners[i%4], created.Format("2006-01-02 15:04"))
		if i%4 != 0 {
			csv.WriteString(claimed.Format("2006/1/2 15:04"))
		}
		csv.WriteString("\n")
	}
	csv.WriteString("old-198,无人,13600000198,,nobody@example.com,,\n")
	csv.WriteString("old-199,坏号码,12345,,,,\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "jdy-export.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"import", file, "--source", "web-form", "--quiet"}, b.getenv, &out, &errOut, nil)
	if code != 1 {
		t.Fatalf("import exit %d (want 1: two rows refused)\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"imported 200 rows", "198 created (148 with their owner)", "2 rejected", "notified 3 owners and 1 managers"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "importing 200/200 (100%)") {
		t.Errorf("no progress shown: %s", errOut.String())
	}

	rej, err := os.ReadFile(filepath.Join(dir, "jdy-export.rejected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rej), "\ufeff") {
		t.Errorf("rejects file has no UTF-8 byte-order mark: %q", rej[:min(len(rej), 20)])
	}
	for _, want := range []string{"\n200,", "负责人「nobody@example.com」", "not in the Lark directory", "\n201,", "手机号不是有效的号码", "phone is not a valid number"} {
		if !strings.Contains(string(rej), want) {
			t.Errorf("rejects file lacks %q:\n%s", want, rej)
		}
	}

	// Hours pass (every SLA step), then days (protection and recycling): still nothing per lead.
	b.sweep()
	b.clock.Advance(3 * time.Hour)
	b.sweep()
	b.clock.Advance(8 * 24 * time.Hour)
	b.sweep()
	if n := len(b.cardsIn(salesChat)); n != 0 {
		t.Errorf("%d cards in the sales group after a quiet import, want 0", n)
	}
	wantOwned := map[string]int{repID(1): 50, repID(2): 49, repID(3): 49}
	for rep, n := range wantOwned {
		dms := b.dmCards(rep)
		if len(dms) != 1 {
			t.Errorf("%s got %d DM cards, want 1 summary", rep, len(dms))
			continue
		}
		if want := fmt.Sprintf("%d** leads from the old system are now yours", n); !strings.Contains(dms[0].Content, want) || !strings.Contains(dms[0].Content, "/my") {
			t.Errorf("%s summary lacks %q and the /my hint:\n%s", rep, want, dms[0].Content)
		}
	}
	mgr := b.dmCards(managerID)
	if len(mgr) != 1 || !strings.Contains(mgr[0].Content, "50 waiting to be claimed, 148 given to their owners") || !strings.Contains(mgr[0].Content, "/pool east") {
		t.Fatalf("manager got %d DM cards, want one summary:\n%v", len(mgr), mgr)
	}

	// The original dates are kept: the lead was created, and claimed, when the old system says.
	owned := 0
	for id := int64(1); id <= 12; id++ {
		lead := b.lead(id)
		if lead["owner"] == nil {
			continue
		}
		owned++
		for _, e := range lead["timeline"].([]any) {
			ev := e.(map[string]any)
			want := map[any]time.Time{"created": created, "assigned": claimed}[ev["kind"]]
			if at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(ev["at"])); !want.IsZero() && !at.Equal(want) {
				t.Errorf("lead %d: %s event at %v, want the original %v", id, ev["kind"], ev["at"], want)
			}
		}
	}
	if owned == 0 {
		t.Errorf("none of the first 12 leads has an owner")
	}

	// The pool's leads are a command away.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(managerID), managerID, "/pool"); err != nil {
		t.Fatal(err)
	}
	list := b.waitDMs(managerID, 2)[1]
	if !strings.Contains(list.Content, "50 waiting, showing the oldest 20") {
		t.Errorf("/pool after the import:\n%s", list.Content)
	}
}
