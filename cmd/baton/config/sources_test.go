package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
)

func TestParsePushSources(t *testing.T) {
	t.Parallel()
	in := `sources:
  - key: jdy-leads
    kind: jiandaoyun
    secret: "${JDY_SECRET}"
    fields: {name: _widget_1001, phone: _widget_1002, utm.source: _widget_1009}
  - key: partner
    kind: webhook
    token: tok
    fields: {phone: contact.mobile, external_id: id}
    dedupe_window: 0s
  - key: slow
    kind: jiandaoyun
    secret: s
    dedupe_window: 1h
    max_skew: 30m
  - {key: api, token: t}
`
	s, err := ParseSettings([]byte(in), "baton.yaml", mapEnv(map[string]string{"JDY_SECRET": "sek"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []crm.Source{
		{Key: "jdy-leads", Kind: crm.KindJiandaoyun, Secret: "sek", DedupeWindow: 10 * time.Minute,
			Fields: []crm.FieldMap{{Field: "name", Path: "_widget_1001"}, {Field: "phone", Path: "_widget_1002"}, {Field: "utm.source", Path: "_widget_1009"}}},
		{Key: "partner", Kind: crm.KindWebhook, Token: "tok",
			Fields: []crm.FieldMap{{Field: "phone", Path: "contact.mobile"}, {Field: "external_id", Path: "id"}}},
		{Key: "slow", Kind: crm.KindJiandaoyun, Secret: "s", DedupeWindow: time.Hour, MaxSkew: 30 * time.Minute},
		{Key: "api", Token: "t"},
	}
	if diff := cmp.Diff(want, s.Sources); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

func TestParsePushSourceErrors(t *testing.T) {
	t.Parallel()
	in := `sources:
  - {key: a, kind: typeform, token: t}
  - {key: b, kind: jiandaoyun, token: t}
  - key: c
    kind: webhook
    token: t
    fields: {name: contact.name, mobile: contact.mobile, phone: "", utm.: x}
    dedupe_window: soon
  - {key: d, token: t, fields: {phone: p}, dedupe_window: 5m}
  - {key: e, kind: webhook, token: t, max_skew: 5m}
  - {key: f, kind: jiandaoyun, secret: s, max_skew: 0s}
`
	_, err := ParseSettings([]byte(in), "baton.yaml", mapEnv(nil))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v, want Errors", err)
	}
	want := "baton.yaml:2: sources[0].kind: unknown kind \"typeform\" (expected jiandaoyun, webhook, oceanengine or tencent_ads)\n" +
		"baton.yaml:3: sources[1].secret: required for kind jiandaoyun (the Secret from 简道云's data push settings)\n" +
		"baton.yaml:3: sources[1].token: 简道云 signs its pushes with the secret; a token is not used\n" +
		"baton.yaml:7: sources[2].fields.mobile: unknown lead field (expected one of: external_id, name, phone, email, company, title, region, campaign, note, tags, pool, utm.<key> or fields.<key>)\n" +
		"baton.yaml:7: sources[2].fields.phone: give the path of the value in the record, like _widget_1001 or contact.mobile\n" +
		"baton.yaml:7: sources[2].fields.utm.: unknown lead field (expected one of: external_id, name, phone, email, company, title, region, campaign, note, tags, pool, utm.<key> or fields.<key>)\n" +
		"baton.yaml:8: sources[2].dedupe_window: \"soon\" is not a duration\n" +
		"baton.yaml:9: sources[3].fields: needs a kind (jiandaoyun or webhook): only push sources map fields\n" +
		"baton.yaml:9: sources[3].dedupe_window: needs a kind (jiandaoyun or webhook): only push sources map fields\n" +
		"baton.yaml:10: sources[4].max_skew: only kind jiandaoyun carries a signed timestamp\n" +
		"baton.yaml:11: sources[5].max_skew: must be more than zero"
	if got := err.Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFprintPushSources(t *testing.T) {
	t.Parallel()
	in := "sources:\n  - {key: jdy, kind: jiandaoyun, secret: jdy-secret-S1, fields: {phone: _widget_1002}}\n" +
		"  - {key: partner, kind: webhook, token: tok-S2, dedupe_window: 0s, fields: {phone: contact.mobile}}\n"
	s, err := ParseSettings([]byte(in), "baton.yaml", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&Config{Settings: s}).Fprint(&b)
	out := b.String()
	for _, want := range []string{
		"- {key: jdy, kind: jiandaoyun, token: (unset), secret: ***, rate_limit: 0, dedupe_window: 10m, max_skew: 5m, fields: {phone: _widget_1002}}",
		"- {key: partner, kind: webhook, token: ***, secret: (unset), rate_limit: 0, dedupe_window: 0s, fields: {phone: contact.mobile}}",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Fprint lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "S1") || strings.Contains(out, "S2") {
		t.Errorf("Fprint printed a push source's secret:\n%s", out)
	}
}
