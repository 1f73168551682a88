package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"gopkg.in/yaml.v3"
)

// readTable reads an import file: .xlsx (sheet, default the first) or CSV in encoding ("" detects it).
// It returns the data rows and the header row, trimmed and lower-cased.
func readTable(file, sheet, encoding string) ([][]string, []string, error) {
	var all [][]string
	var err error
	if strings.EqualFold(filepath.Ext(file), ".xlsx") {
		all, err = readXLSX(file, sheet)
	} else {
		if sheet != "" {
			return nil, nil, fmt.Errorf("--sheet is for .xlsx files; %s is read as CSV", file)
		}
		all, err = readCSVFile(file, encoding)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s is empty: a header row is required", file)
	}
	header := all[0]
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	return all[1:], header, nil
}

// readCSVFile reads a CSV file as UTF-8 text. Excel on a Chinese Windows saves "CSV" in the ANSI code
// page, GBK, with no mark; a file with a UTF-8 byte-order mark or one that is valid UTF-8 is UTF-8,
// anything else is decoded as GB18030 (a superset of GBK). encoding "utf-8" or "gbk" skips the guess.
func readCSVFile(file, encoding string) ([][]string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	text, err := decodeText(raw, encoding)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return all, nil
}

// decodeText turns a CSV file's bytes into UTF-8 text; see readCSVFile.
func decodeText(raw []byte, encoding string) (string, error) {
	bom := []byte("\ufeff")
	switch strings.ToLower(strings.ReplaceAll(encoding, "-", "")) {
	case "":
		if bytes.HasPrefix(raw, bom) || utf8.Valid(raw) {
			return string(bytes.TrimPrefix(raw, bom)), nil
		}
	case "utf8":
		raw = bytes.TrimPrefix(raw, bom)
		if !utf8.Valid(raw) {
			return "", fmt.Errorf("the file is not valid UTF-8 (try --encoding gbk)")
		}
		return string(raw), nil
	case "gbk", "gb18030", "gb2312":
	default:
		return "", fmt.Errorf("--encoding %q: use utf-8 or gbk", encoding)
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil {
		return "", fmt.Errorf("decode as GBK: %w", err)
	}
	return string(out), nil
}

// readXLSX reads one sheet's cells as the user sees them in Excel: dates as dates (2026-03-01 or
// 2026-03-01 14:30, which parseImportTime reads), numbers in full (a mobile stored as a number stays
// 13800138000, never 1.38E+10). Rows with no value at all are skipped, as the CSV reader skips blank lines.
func readXLSX(file, sheet string) ([][]string, error) {
	f, err := excelize.OpenFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	defer f.Close()
	if sheet == "" {
		sheet = f.GetSheetName(0)
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		return nil, fmt.Errorf("%s has no sheet %q (sheets: %s)", file, sheet, strings.Join(f.GetSheetList(), ", "))
	}
	shown, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("read %s, sheet %q: %w", file, sheet, err)
	}
	raw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read %s, sheet %q: %w", file, sheet, err)
	}
	date1904 := false
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	var out [][]string
	for r, row := range shown {
		blank := true
		for c, v := range row {
			if r < len(raw) && c < len(raw[r]) {
				row[c] = xlsxCell(f, sheet, r, c, v, raw[r][c], date1904)
			}
			if strings.TrimSpace(row[c]) != "" {
				blank = false
			}
		}
		if !blank {
			out = append(out, row)
		}
	}
	return out, nil
}

// xlsxCell is one cell's text: numeric cells with a date format become a date Baton reads, numbers
// Excel would show in scientific notation are written out in full, everything else is as formatted.
func xlsxCell(f *excelize.File, sheet string, r, c int, shown, raw string, date1904 bool) string {
	num, err := strconv.ParseFloat(raw, 64)
	if err != nil || raw == "" {
		return shown
	}
	axis, err := excelize.CoordinatesToCellName(c+1, r+1)
	if err != nil {
		return shown
	}
	if typ, err := f.GetCellType(sheet, axis); err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
		return shown // text that only looks like a number
	}
	if isDateFormat(f, sheet, axis) {
		t, err := excelize.ExcelDateToTime(num, date1904)
		if err != nil {
			return shown
		}
		t = t.Round(time.Second)
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15:04")
	}
	if strings.ContainsAny(shown, "eE") && !strings.ContainsAny(shown, "abcdfghijklmnopqrstuvwxyz") {
		return strconv.FormatFloat(num, 'f', -1, 64)
	}
	return shown
}

// isDateFormat tells whether a cell's number format shows a date or time: Excel's built-in date formats
// (ids 14–22 and 45–47, ECMA-376 Part 1 §18.8.30) or a custom format with date or time codes.
func isDateFormat(f *excelize.File, sheet, axis string) bool {
	id, err := f.GetCellStyle(sheet, axis)
	if err != nil || id == 0 {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil {
		return false
	}
	if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 45 && st.NumFmt <= 47) || (st.NumFmt >= 27 && st.NumFmt <= 36) || (st.NumFmt >= 50 && st.NumFmt <= 58) {
		return true // 27–36 and 50–58 are the East Asian date formats (年月日)
	}
	if st.CustomNumFmt == nil {
		return false
	}
	code := strings.ToLower(*st.CustomNumFmt)
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range code { // drop quoted text and [colour]/[$-804] sections before looking for codes
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case !bracket:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(b.String(), "ydhs")
}

// importFields are the fields a --map file may name.
func importFields() map[string]bool {
	fields := map[string]bool{}
	for _, f := range headerAliases {
		fields[f] = true
	}
	return fields
}

// readHeaderMap reads a --map file: a JSON or YAML object from a header as it is written in the file
// to a Baton field (name, phone…, or utm_<key>), e.g. {"客户手机": "phone", "渠道": "utm_source"}.
func readHeaderMap(file string) (map[string]string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if strings.EqualFold(filepath.Ext(file), ".json") {
		err = json.Unmarshal(raw, &m)
	} else {
		err = yaml.Unmarshal(raw, &m)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	fields := importFields()
	out := make(map[string]string, len(m))
	for h, f := range m {
		f = strings.ToLower(strings.TrimSpace(f))
		if !fields[f] && !(strings.HasPrefix(f, "utm_") && len(f) > 4) {
			return nil, fmt.Errorf("%s: %q maps to %q, which is not a Baton field (name, phone, email, company, title, region, campaign, note, pool, tags, owner, created, claimed, external_id, utm_<key>)", file, h, f)
		}
		out[strings.ToLower(strings.TrimSpace(h))] = f
	}
	return out, nil
}
