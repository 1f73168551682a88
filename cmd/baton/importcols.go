package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// headerAliases maps the column names other systems export (English and Chinese, as 简道云 and 纷享销客
// write them) to Baton's fields.
var headerAliases = map[string]string{
	"external_id": "external_id", "外部编号": "external_id", "编号": "external_id", "id": "external_id",
	"name": "name", "姓名": "name", "客户姓名": "name", "联系人": "name",
	"phone": "phone", "mobile": "phone", "手机": "phone", "手机号": "phone", "电话": "phone", "联系电话": "phone",
	"email": "email", "邮箱": "email", "电子邮箱": "email",
	"company": "company", "公司": "company", "公司名称": "company", "客户名称": "company",
	"title": "title", "职位": "title",
	"region": "region", "地区": "region", "区域": "region",
	"campaign": "campaign", "活动": "campaign", "市场活动": "campaign",
	"note": "note", "备注": "note",
	"pool": "pool", "线索池": "pool",
	"tags": "tags", "标签": "tags",
	"owner": "owner", "owner_id": "owner", "负责人": "owner", "销售": "owner",
	"created": "created", "created_at": "created", "创建时间": "created",
	"claimed": "claimed", "claimed_at": "claimed", "认领时间": "claimed", "分配时间": "claimed",
}

// fieldZH names a lead field in Chinese, for reasons in the rejects file.
func fieldZH(f string) string {
	names := map[string]string{"phone": "手机", "email": "邮箱", "name": "姓名", "company": "公司", "title": "职位",
		"region": "地区", "campaign": "活动", "note": "备注", "pool": "线索池", "tags": "标签", "owner": "负责人",
		"created": "创建时间", "claimed": "认领时间", "external_id": "外部编号", "row": "行"}
	if n, ok := names[f]; ok {
		return n
	}
	return f
}

// importCols is a header row read once: the field each column fills.
type importCols []string

// importColumns reads the header row; custom (from --map) comes before the usual names, and those before
// the custom fields' keys and zh/en labels, which fill "fields.<key>".
func importColumns(header []string, custom map[string]string, fields ...crm.FieldDef) importCols {
	s := crm.Settings{Fields: fields}
	cols := make(importCols, len(header))
	for i, h := range header {
		if f, ok := custom[h]; ok {
			cols[i] = f
		} else if f, ok := headerAliases[h]; ok {
			cols[i] = f
		} else if d, ok := s.FieldByLabel(h); ok {
			cols[i] = "fields." + d.Key
		} else {
			cols[i] = h
		}
	}
	return cols
}

// lead maps a row onto an import item by column, and returns the owner as written (resolved later).
func (cols importCols) lead(row []string, loc *time.Location) (*crm.ImportLead, string, error) {
	if len(row) > len(cols) {
		return nil, "", &crm.Error{Code: crm.EINVALID, Field: "row", ZH: fmt.Sprintf("该行有 %d 列，表头只有 %d 列", len(row), len(cols)),
			Message: fmt.Sprintf("row has %d columns, the header %d", len(row), len(cols))}
	}
	in := &crm.LeadInput{}
	it := &crm.ImportLead{Input: in}
	var owner string
	for i, v := range row {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch h := cols[i]; {
		case h == "external_id":
			in.ExternalID = v
		case h == "name":
			in.Name = v
		case h == "phone":
			in.Phone = v
		case h == "email":
			in.Email = v
		case h == "company":
			in.Company = v
		case h == "title":
			in.Title = v
		case h == "region":
			in.Region = v
		case h == "campaign":
			in.Campaign = v
		case h == "note":
			in.Note = v
		case h == "pool":
			in.Pool = v
		case h == "tags":
			in.Tags = strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' || r == '；' })
		case h == "owner":
			owner = v
		case h == "created", h == "claimed":
			t, err := parseImportTime(v, loc)
			if err != nil {
				return nil, "", &crm.Error{Code: crm.EINVALID, Field: h, ZH: fmt.Sprintf("「%s」不是日期：%q", fieldZH(h), v),
					Message: fmt.Sprintf("%s: %q is not a date (2026-03-01 or 2026-03-01 14:30)", h, v)}
			}
			if h == "created" {
				it.CreatedAt = t
			} else {
				it.ClaimedAt = t
			}
		case strings.HasPrefix(h, "fields."):
			// Checked against the field's type at intake, as the API's are.
			if in.Fields == nil {
				in.Fields = map[string]any{}
			}
			in.Fields[strings.TrimPrefix(h, "fields.")] = v
		case strings.HasPrefix(h, "utm_"):
			if in.UTM == nil {
				in.UTM = map[string]string{}
			}
			in.UTM[strings.TrimPrefix(h, "utm_")] = v
		default:
			if in.Attributes == nil {
				in.Attributes = map[string]any{}
			}
			in.Attributes[h] = v
		}
	}
	return it, owner, nil
}

// importTimeLayouts are the date forms spreadsheets and the old systems export.
var importTimeLayouts = []string{
	time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2", "2006.1.2", "2006年1月2日 15:04", "2006年1月2日",
}

// parseImportTime reads a date or time; one without a zone is in the team's time zone.
func parseImportTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range importTimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}
