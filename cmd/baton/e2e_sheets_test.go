package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestImportXLSXEndToEnd: an Excel sheet with Chinese headers, mobiles stored as numbers and date cells
// becomes leads with full phone numbers, their companies and campaigns, and the sheet's creation dates.
func TestImportXLSXEndToEnd(t *testing.T) {
	b := startBaton(t, e2eOptions{config: importE2EConfig})
	dir := t.TempDir()
	file := writeXLSX(t, dir)
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"import", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil); code != 0 {
		rej, _ := os.ReadFile(filepath.Join(dir, "leads.rejected.csv"))
		t.Fatalf("import exit %d\nstdout: %s\nrejects: %s", code, out.String(), rej)
	}
	if !strings.Contains(out.String(), "imported 2 rows") || !strings.Contains(out.String(), "2 created (1 with their owner)") {
		t.Errorf("summary: %s", out.String())
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	want := []struct {
		name, phone, company, campaign string
		created                        time.Time
	}{
		{"张三", "+8613800138000", "上海示例科技", "春季展会", time.Date(2026, 3, 1, 0, 0, 0, 0, sh)},
		{"李四", "+8613900139000", "北京样例", "", time.Date(2026, 3, 5, 0, 0, 0, 0, sh)},
	}
	// Import writes rows concurrently, so lead ids need not follow the rows: each row's lead is found by name.
	byName := map[string]map[string]any{}
	for id := int64(1); id <= int64(len(want)); id++ {
		l := b.lead(id)
		c, _ := l["customer"].(map[string]any)
		byName[fmt.Sprint(c["name"])] = l
	}
	for i, w := range want {
		l := byName[w.name]
		if l == nil {
			t.Errorf("no lead for row %d (%s)", i+1, w.name)
			continue
		}
		c, _ := l["customer"].(map[string]any)
		got := fmt.Sprint(c["name"], "|", c["phone"], "|", c["company"], "|", l["campaign"])
		if got != fmt.Sprint(w.name, "|", w.phone, "|", w.company, "|", w.campaign) {
			t.Errorf("lead %d: %s", i+1, got)
		}
		if owner := fmt.Sprint(l["owner"]); (i == 0) != strings.Contains(owner, repID(1)) {
			t.Errorf("lead %d owner %s", i+1, owner)
		}
		at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(l["created_at"]))
		if !at.Equal(w.created) {
			t.Errorf("lead %d created %v, want %v (the sheet's date)", i+1, l["created_at"], w.created)
		}
	}
}

// TestImportGBKCSVEndToEnd: a CSV saved by Excel on a Chinese Windows (GBK, no byte-order mark) imports
// with its Chinese intact.
func TestImportGBKCSVEndToEnd(t *testing.T) {
	b := startBaton(t, e2eOptions{config: importE2EConfig})
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("姓名,手机,公司,活动,备注\r\n王小明,13700137000,广州某某贸易有限公司,双十一,请周一联系\r\n")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "excel.csv")
	if err := os.WriteFile(file, []byte(gbk), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"import", file, "--source", "web-form"}, b.getenv, &out, &errOut, nil); code != 0 {
		t.Fatalf("import exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	l := b.lead(1)
	c, _ := l["customer"].(map[string]any)
	if c["name"] != "王小明" || c["company"] != "广州某某贸易有限公司" || l["campaign"] != "双十一" || c["phone"] != "+8613700137000" {
		t.Errorf("lead from a GBK file: %v", l)
	}
}

// TestImportDryRunStoresNothing: --dry-run shows the first 10 rows mapped with masked phones, every
// problem with its row, and the totals, and stores no lead.
func TestImportDryRunStoresNothing(t *testing.T) {
	b := startBaton(t, e2eOptions{config: importE2EConfig})
	var csv strings.Builder
	csv.WriteString("姓名,手机,公司,活动,负责人,创建时间\n")
	for i := range 12 {
		fmt.Fprintf(&csv, "客户%02d,137%08d,公司%02d,春季展会,%s,\n", i, i, i, repID(1))
	}
	csv.WriteString("坏号码,12345,,,,\n")
	csv.WriteString("坏日期,13600000001,,,,昨天\n")
	csv.WriteString("无人,13600000002,,,nobody@example.com,\n")
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"import", file, "--source", "web-form", "--dry-run"}, b.getenv, &out, &errOut, nil)
	if code != 1 {
		t.Fatalf("dry run exit %d, want 1 (rows have problems)\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	o := out.String()
	for _, want := range []string{"nothing is stored", "客户00", "137****0000", "公司09", "春季展会", repID(1),
		"row 14:", "手机号不是有效的号码", "row 15:", "昨天", "row 16:", "负责人「nobody@example.com」",
		"15 rows, 12 would be imported (12 with their owner), 3 with problems"} {
		if !strings.Contains(o, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, "客户10") {
		t.Errorf("preview shows more than 10 rows:\n%s", o)
	}
	if status, _ := b.get("/api/v1/leads/1", adminToken); status != http.StatusNotFound {
		t.Errorf("GET lead 1 after a dry run: %d, want 404 (nothing stored)", status)
	}
	if _, err := os.Stat(strings.TrimSuffix(file, ".csv") + ".rejected.csv"); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote a rejects file: %v", err)
	}
	b.sweep()
	if n := len(b.cardsIn(salesChat)); n != 0 {
		t.Errorf("%d cards posted after a dry run", n)
	}
}
