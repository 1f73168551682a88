package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
)

func TestParseFields(t *testing.T) {
	t.Parallel()
	in := `sources:
  - {key: jdy, kind: jiandaoyun, secret: s, fields: {phone: _widget_1, fields.budget: _widget_5}}
fields:
  - {key: budget, label: {zh: 预算, en: Budget}, type: money, card: true, routable: true}
  - {key: industry, label: {zh: 行业, en: Industry}, type: select, required: true, routable: true, options: [{value: manufacturing, zh: 制造, en: Manufacturing}, {value: retail, zh: 零售, en: Retail}]}
  - {key: wechat, label: {zh: 微信, en: WeChat}, type: text, pii: true}
pools:
  - {key: east, name: East, chat_id: oc_x}
  - {key: big, name: Big, chat_id: oc_y}
routing:
  - {match: {fields: {industry: 制造, budget: ">=10万"}}, pool: big}
  - {pool: east}
`
	s, err := ParseSettings([]byte(in), "baton.yaml", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []crm.FieldDef{
		{Key: "budget", Zh: "预算", En: "Budget", Type: crm.FieldMoney, Card: true, Routable: true},
		{Key: "industry", Zh: "行业", En: "Industry", Type: crm.FieldSelect, Required: true, Routable: true,
			Options: []crm.FieldOption{{Value: "manufacturing", Zh: "制造", En: "Manufacturing"}, {Value: "retail", Zh: "零售", En: "Retail"}}},
		{Key: "wechat", Zh: "微信", En: "WeChat", Type: crm.FieldText, PII: true},
	}
	if d := cmp.Diff(want, s.Fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	// The rule's conditions are read once: the label becomes the option value, 10万 a number.
	wantMatch := []crm.FieldMatch{{Key: "industry", Op: "=", Value: "manufacturing"}, {Key: "budget", Op: ">=", Num: 100000}}
	if d := cmp.Diff(wantMatch, s.Routing[0].Fields); d != "" {
		t.Errorf("rule fields (-want +got):\n%s", d)
	}
	if s.Sources[0].Fields[1] != (crm.FieldMap{Field: "fields.budget", Path: "_widget_5"}) {
		t.Errorf("source map = %v", s.Sources[0].Fields)
	}
}

func TestParseFieldsErrors(t *testing.T) {
	t.Parallel()
	in := `sources:
  - {key: jdy, kind: jiandaoyun, secret: s, fields: {fields.nope: _widget_5}}
fields:
  - {key: Budget, label: {zh: 预算, en: Budget}, type: money}
  - {key: a, label: {zh: 甲, en: A}, type: color}
  - {key: b, label: {zh: 乙, en: B}, type: select}
  - {key: c, label: {zh: 丙, en: C}, type: text, options: [{value: x}]}
  - {key: d, label: {zh: 丁, en: D}, type: select, options: [{value: x, zh: 叉}, {value: y, zh: 叉}]}
  - {key: a, label: {zh: 甲, en: A}, type: text}
  - {key: e, type: text, pii: maybe}
  - {key: f, label: {zh: 戊, en: F}, type: number}
pools:
  - {key: east, name: East, chat_id: oc_x}
routing:
  - {match: {fields: {c: x, f: "~5", nope: 1}}, pool: east}
  - {pool: east}
`
	_, err := ParseSettings([]byte(in), "baton.yaml", mapEnv(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`fields[0].key: "Budget" must start with a lower-case letter`,
		`fields[1].type: "color" is not a field type`,
		`fields[2].options: a select field needs options`,
		`fields[3].options: only select and multiselect fields have options`,
		`fields[4].options[1].value: "叉" already names another option`,
		`fields[5].key: "a" is used twice`,
		`fields[6].label: required`,
		`fields[6].pii: "maybe" is not true or false`,
		`routing[0].match.fields.c: field "c" is not routable`,
		`routing[0].match.fields.f: field "f" is not routable`,
		`routing[0].match.fields.nope: "nope" is not a field key`,
		`sources[0].fields.fields.nope: "nope" is not a field key`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
}
