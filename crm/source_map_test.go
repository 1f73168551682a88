package crm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func record(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMapRecordJiandaoyun(t *testing.T) {
	t.Parallel()
	src := &Source{Key: "jdy", Kind: KindJiandaoyun, Fields: []FieldMap{
		{"name", "_widget_1001"}, {"phone", "_widget_1002"}, {"region", "_widget_1005"},
		{"tags", "_widget_1006"}, {"note", "_widget_1007"}, {"utm.source", "_widget_1009"}, {"company", "_widget_missing"},
	}}
	rec := record(t, `{"_id": "r1", "appId": "a", "entryId": "e", "creator": {"name": "张三", "username": "zs"},
		"createTime": "2026-11-30T02:00:00.000Z", "deleteTime": null,
		"_widget_1001": " 李雷 ", "_widget_1002": 13800138000,
		"_widget_1005": {"province": "江苏省", "city": "无锡市", "district": "梁溪区", "detail": "清扬路138号"},
		"_widget_1006": ["演示", "报价"], "_widget_1007": {"name": "王芳", "username": "wf"},
		"_widget_1008": 120000.5, "_widget_1009": "baidu",
		"_widget_1010": {"province": "浙江省", "city": "杭州市", "lnglatXY": [120.1, 30.2]},
		"_widget_1011": [{"name": "a.png", "url": "https://files.jiandaoyun.com/x"}], "_widget_1012": ""}`)
	got := MapRecord(src, rec, "r1")
	want := &LeadInput{ExternalID: "r1", Name: "李雷", Phone: "13800138000", Region: "江苏省 无锡市 梁溪区 清扬路138号",
		Tags: []string{"演示", "报价"}, Note: "王芳", UTM: map[string]string{"source": "baidu"},
		Attributes: map[string]any{"_widget_1008": "120000.5", "_widget_1010": "浙江省 杭州市", "_widget_1011": "a.png"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MapRecord (-want +got):\n%s", diff)
	}
}

func TestMapRecordWebhookDottedPaths(t *testing.T) {
	t.Parallel()
	src := &Source{Key: "partner", Kind: KindWebhook, Fields: []FieldMap{
		{"external_id", "id"}, {"phone", "contact.mobile"}, {"name", "contact.name"}, {"campaign", "utm.campaign"},
	}}
	rec := record(t, `{"id": 77, "contact": {"name": "赵敏", "mobile": "13900139000", "wechat": "zm"},
		"utm": {"campaign": "q4", "medium": "cpc"}, "email": "zm@example.com", "meta": {"a": 1}, "pool": "west"}`)
	got := MapRecord(src, rec, "")
	// email is taken by name (no mapping needed); pool never is: only a mapping may steer routing.
	want := &LeadInput{ExternalID: "77", Name: "赵敏", Phone: "13900139000", Email: "zm@example.com", Campaign: "q4",
		Attributes: map[string]any{"contact.wechat": "zm", "utm.medium": "cpc", "meta": "a: 1", "pool": "west"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MapRecord (-want +got):\n%s", diff)
	}
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
	}{
		{`"  text "`, "text"},
		{`12`, "12"},
		{`1.5e3`, "1.5e3"}, // json.Number keeps the sender's digits
		{`true`, "true"},
		{`null`, ""},
		{`["a", "", "b"]`, "a、b"},
		{`{"province": "江苏省", "city": "无锡市", "district": "", "detail": "x路1号"}`, "江苏省 无锡市 x路1号"},
		{`[{"name": "王芳", "username": "wf"}, {"name": "李雷", "username": "ll"}]`, "王芳、李雷"},
		{`{"dept_no": 3, "name": "销售部"}`, "销售部"},
		{`{"phone": "13800138000", "verified": false}`, "13800138000"},
		{`{"b": 2, "a": "x"}`, "a: x, b: 2"},
	} {
		dec := json.NewDecoder(strings.NewReader(tc.in))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if got := Flatten(v); got != tc.want {
			t.Errorf("Flatten(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPreviewPushListsEveryProblem(t *testing.T) {
	t.Parallel()
	settings := &Settings{Pools: []Pool{{Key: "east"}}, Routing: []Rule{{Pool: "east"}}}
	src := &Source{Key: "jdy", Kind: KindJiandaoyun, Fields: []FieldMap{{"phone", "_widget_2"}, {"name", "_widget_9"}}}
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

	ok := PreviewPush(settings, src, &Push{Op: "data_create", Record: record(t, `{"_widget_2": "13800138000"}`)}, now)
	if ok.Action != "create" || ok.Pool != "east" || ok.Lead == nil || ok.Lead.Phone != "+8613800138000" {
		t.Errorf("valid record: %+v", ok)
	}
	if len(ok.Problems) != 1 || !strings.Contains(ok.Problems[0], "_widget_9") {
		t.Errorf("missing mapped path not reported: %v", ok.Problems)
	}

	bad := PreviewPush(settings, src, &Push{Op: "data_create", Record: record(t, `{"_widget_2": "12345"}`)}, now)
	if bad.Lead != nil || len(bad.Problems) != 2 || !strings.Contains(bad.Problems[1], "phone") {
		t.Errorf("invalid record: %+v", bad)
	}

	gone := PreviewPush(settings, src, &Push{Op: "data_remove"}, now)
	if gone.Action != "ignored" || gone.Input != nil {
		t.Errorf("data_remove: %+v", gone)
	}
}
