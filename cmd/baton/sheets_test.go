package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// writeXLSX builds a workbook as Excel users keep leads: Chinese headers, mobiles stored as numbers (one
// formatted 0.00E+00, which Excel shows as 1.39E+10), date cells, a 16-digit id stored as a number.
func writeXLSX(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "线索"); err != nil {
		t.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	dtStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy/m/d h:mm")})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"姓名", "手机", "公司", "活动", "创建时间", "认领时间", "客户编号", "负责人"},
		{"张三", 13800138000, "上海示例科技", "春季展会", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC), 1.23456789012e+15, repID(1)},
		{},
		{"李四", 13900139000, "北京样例", "", "2026-03-05", "", "abc"},
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue("线索", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SetCellStyle("线索", "E2", "E2", dateStyle); err != nil {
		t.Fatal(err)
	}
	sci, err := f.NewStyle(&excelize.Style{NumFmt: 11}) // 0.00E+00: how a sheet shows long numbers
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("线索", "B4", "B4", sci); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("线索", "F2", "F2", dtStyle); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("其他"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("其他", "A1", &[]any{"name", "email"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("其他", "A2", &[]any{"Ann", "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "leads.xlsx")
	if err := f.SaveAs(file); err != nil {
		t.Fatal(err)
	}
	return file
}

func ptr[T any](v T) *T { return &v }

// TestImportReadsXLSXAsShown: the first sheet by default, a number-typed mobile in full, dates in a form
// the importer parses, blank rows skipped, --sheet picks another sheet.
func TestImportReadsXLSXAsShown(t *testing.T) {
	file := writeXLSX(t, t.TempDir())
	rows, header, err := readTable(file, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"姓名", "手机", "公司", "活动", "创建时间", "认领时间", "客户编号", "负责人"}; !reflect.DeepEqual(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	want := [][]string{
		{"张三", "13800138000", "上海示例科技", "春季展会", "2026-03-01", "2026-03-02 14:30", "1234567890120000", repID(1)},
		{"李四", "13900139000", "北京样例", "", "2026-03-05", "", "abc"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
	rows, header, err = readTable(file, "其他", "")
	if err != nil || !reflect.DeepEqual(header, []string{"name", "email"}) || len(rows) != 1 {
		t.Errorf("--sheet 其他: %q %q %v", header, rows, err)
	}
	if _, _, err := readTable(file, "nope", ""); err == nil || !strings.Contains(err.Error(), "线索, 其他") {
		t.Errorf("unknown sheet: %v", err)
	}
}

// TestImportDetectsCSVEncoding: UTF-8, UTF-8 with a BOM and GBK read the same; --encoding overrides.
func TestImportDetectsCSVEncoding(t *testing.T) {
	dir := t.TempDir()
	text := "姓名,手机,公司\n王五,13700137000,广州某某贸易\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"王五", "13700137000", "广州某某贸易"}}
	for name, body := range map[string]string{"utf8.csv": text, "bom.csv": "\ufeff" + text, "gbk.csv": gbk} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		rows, header, err := readTable(file, "", "")
		if err != nil || !reflect.DeepEqual(rows, want) || header[0] != "姓名" {
			t.Errorf("%s: header %q rows %q err %v", name, header, rows, err)
		}
		forced, _, err := readTable(file, "", "gbk")
		if name == "gbk.csv" && (err != nil || !reflect.DeepEqual(forced, want)) {
			t.Errorf("%s --encoding gbk: %q %v", name, forced, err)
		}
	}
	if _, _, err := readTable(filepath.Join(dir, "gbk.csv"), "", "utf-8"); err == nil || !strings.Contains(err.Error(), "--encoding gbk") {
		t.Errorf("GBK read with --encoding utf-8: %v", err)
	}
}

// TestImportHeaderMap: a --map file (YAML or JSON) names other headers' fields and refuses unknown fields.
func TestImportHeaderMap(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "map.yaml")
	os.WriteFile(y, []byte("客户手机: phone\n渠道: UTM_Source\n"), 0o600)
	m, err := readHeaderMap(y)
	if err != nil || m["客户手机"] != "phone" || m["渠道"] != "utm_source" {
		t.Fatalf("yaml map %v %v", m, err)
	}
	cols := importColumns([]string{"客户手机", "渠道", "姓名"}, m)
	it, _, err := cols.lead([]string{"13800138000", "douyin", "赵六"}, time.UTC)
	if err != nil || it.Input.Phone != "13800138000" || it.Input.UTM["source"] != "douyin" || it.Input.Name != "赵六" {
		t.Errorf("mapped lead %+v %v", it, err)
	}
	j := filepath.Join(dir, "map.json")
	os.WriteFile(j, []byte(`{"客户手机": "phone_number"}`), 0o600)
	if _, err := readHeaderMap(j); err == nil || !strings.Contains(err.Error(), "not a Baton field") {
		t.Errorf("unknown field accepted: %v", err)
	}
}
