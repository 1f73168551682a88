package crm

import (
	"fmt"
	"strings"
	"testing"
)

func testFieldDefs() []FieldDef {
	return []FieldDef{
		{Key: "budget", Zh: "预算", En: "Budget", Type: FieldMoney, Routable: true},
		{Key: "industry", Zh: "行业", En: "Industry", Type: FieldSelect, Routable: true,
			Options: []FieldOption{{Value: "manufacturing", Zh: "制造", En: "Manufacturing"}, {Value: "retail", Zh: "零售", En: "Retail"}}},
		{Key: "tools", Zh: "工具", En: "Tools", Type: FieldMultiselect, Routable: true,
			Options: []FieldOption{{Value: "crm", Zh: "客户管理", En: "CRM"}, {Value: "erp", Zh: "企业资源", En: "ERP"}}},
		{Key: "seats", Zh: "人数", En: "Seats", Type: FieldNumber},
		{Key: "signed", Zh: "签约日", En: "Signed", Type: FieldDate},
		{Key: "trial", Zh: "试用", En: "Trial", Type: FieldBool},
		{Key: "backup", Zh: "备用电话", En: "Backup", Type: FieldPhone, PII: true},
		{Key: "mail", Zh: "邮箱2", En: "Mail", Type: FieldEmail},
		{Key: "rep", Zh: "对接人", En: "Rep", Type: FieldMember},
		{Key: "channel", Zh: "渠道", En: "Channel", Type: FieldText, Required: true},
	}
}

func TestNormalizeFields(t *testing.T) {
	got, err := NormalizeFields(testFieldDefs(), map[string]any{
		"budget": "¥20万", "industry": "制造", "tools": []any{"CRM", "erp", "crm"}, "seats": "1,200",
		"signed": "2026年3月5日", "trial": "是", "backup": "138 0013 8000", "mail": "A@Example.com", "rep": "ou_1",
		"channel": " 展会 ",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "map[backup:+8613800138000 budget:200000 channel:展会 industry:manufacturing mail:a@example.com rep:ou_1 seats:1200 signed:2026-03-05 tools:[crm erp] trial:true]"
	if fmt.Sprint(got) != want {
		t.Errorf("got  %v\nwant %s", got, want)
	}
	// Normalised values normalise to themselves: an intake may check them again.
	again, err := NormalizeFields(testFieldDefs(), got)
	if err != nil || fmt.Sprint(again) != want {
		t.Errorf("second pass: %v %v", again, err)
	}
}

func TestNormalizeFieldsErrors(t *testing.T) {
	base := map[string]any{"channel": "web"}
	tests := []struct {
		key   string
		value any
		field string
		msg   string
	}{
		{"nope", 1, "fields.nope", "no custom field"},
		{"budget", "lots", "fields.budget", "amount"},
		{"budget", true, "fields.budget", "number"},
		{"industry", "farming", "fields.industry", "no option"},
		{"tools", []any{"crm", 3}, "fields.tools", "list"},
		{"seats", "x", "fields.seats", "number"},
		{"signed", "soon", "fields.signed", "date"},
		{"trial", "maybe", "fields.trial", "true or false"},
		{"backup", "123", "fields.backup", "phone"},
		{"mail", "a@", "fields.mail", "email"},
		{"rep", "张三", "fields.rep", "open_id"},
		{"channel", "", "fields.channel", "required"},
		{"channel", strings.Repeat("长", 201), "fields.channel", "longer than"},
	}
	for _, tt := range tests {
		raw := map[string]any{"channel": base["channel"], tt.key: tt.value}
		_, err := NormalizeFields(testFieldDefs(), raw)
		en, _ := ErrorMessage(err)
		if ErrorCode(err) != EINVALID || ErrorField(err) != tt.field || !strings.Contains(en, tt.msg) {
			t.Errorf("%s=%v: got %v (field %q), want field %q message containing %q", tt.key, tt.value, err, ErrorField(err), tt.field, tt.msg)
		}
	}
}

func TestRouteByFields(t *testing.T) {
	defs := testFieldDefs()
	match := func(key, raw string) FieldMatch {
		d := findField(defs, key)
		m, err := ParseFieldMatch(d, raw)
		if err != nil {
			t.Fatalf("%s %s: %v", key, raw, err)
		}
		return m
	}
	s := &Settings{Fields: defs, Pools: []Pool{{Key: "big"}, {Key: "erp"}, {Key: "east"}}, Routing: []Rule{
		{Fields: []FieldMatch{match("industry", "制造"), match("budget", ">=10万")}, Pool: "big"},
		{Fields: []FieldMatch{match("tools", "ERP")}, Pool: "erp"},
		{Pool: "east"},
	}}
	for _, tt := range []struct {
		fields map[string]any
		pool   string
	}{
		{map[string]any{"industry": "manufacturing", "budget": 100000.0}, "big"},
		{map[string]any{"industry": "manufacturing", "budget": 99999.0}, "east"},
		{map[string]any{"industry": "retail", "budget": 500000.0}, "east"},
		{map[string]any{"budget": 500000.0}, "east"},
		{map[string]any{"tools": []string{"crm", "erp"}}, "erp"},
		{map[string]any{"tools": []any{"erp"}}, "erp"}, // as read back from JSON
	} {
		r, err := Route(s, &NewLead{Fields: tt.fields})
		if err != nil || r.Pool != tt.pool {
			t.Errorf("%v: pool %q (%v), want %q; misses %v", tt.fields, r.Pool, err, tt.pool, r.Misses)
		}
	}
	for _, bad := range []string{">=lots", "=>5", ""} {
		if _, err := ParseFieldMatch(findField(defs, "budget"), bad); err == nil {
			t.Errorf("budget %q: no error", bad)
		}
	}
}

func TestFieldTypeChanges(t *testing.T) {
	got := FieldTypeChanges(testFieldDefs(), map[string]FieldType{"budget": FieldNumber, "industry": FieldSelect, "gone": FieldText})
	if len(got) != 1 || !strings.Contains(got[0], "budget: type changed from number to money") {
		t.Errorf("changes = %q", got)
	}
}

func TestMapRecordCustomFields(t *testing.T) {
	src := &Source{Key: "jdy", Kind: KindJiandaoyun, Fields: []FieldMap{{Field: "phone", Path: "_widget_1"}, {Field: "fields.tools", Path: "_widget_5"}}}
	in := MapRecord(src, map[string]any{"_widget_1": "13800138000", "_widget_5": []any{"CRM"}}, "r1")
	f, err := NormalizeFields([]FieldDef{testFieldDefs()[2]}, in.Fields)
	if err != nil || fmt.Sprint(f) != "map[tools:[crm]]" {
		t.Errorf("mapped fields %v → %v (%v)", in.Fields, f, err)
	}
	if _, ok := in.Attributes["_widget_5"]; ok {
		t.Error("a mapped custom field is also kept under attributes")
	}
}
