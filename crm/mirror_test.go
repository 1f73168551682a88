package crm

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMirrorRecordOf(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	claimed := created.Add(10 * time.Minute)
	l := &Lead{ID: 42, Source: "web-form", Campaign: "双11", Pool: "east", Stage: StageWon, OwnerID: "ou_rep",
		Tags: []string{"展会"}, CreatedAt: created, ClaimedAt: claimed, Value: 1234500}
	c := &Customer{Name: "赵一", Company: "一号公司", Phone: "+8613900139000", Tags: []string{"vip", "展会"}}
	v := LeadView{Lead: l, Customer: c, Pool: &Pool{Key: "east", ChatID: "oc_sales"},
		History: []HistoryEntry{{Kind: EventFeedback, Data: map[string]string{"quality": "good_fit"}}}}
	o := MirrorOptions{Lang: "zh", Link: "https://applink.feishu.cn/client/chat/open?openChatId={chat_id}&lead={id}"}
	want := MirrorRecord{
		ColNumber: float64(42), ColName: "赵一", ColCompany: "一号公司", ColPhone: "139****9000",
		ColSource: "web-form", ColCampaign: "双11", ColPool: "east", ColStage: "赢单", ColGrade: nil,
		ColTags: []string{"vip", "展会"}, ColQuality: "good_fit", ColOwner: []map[string]string{{"id": "ou_rep"}},
		ColCreated: float64(created.UnixMilli()), ColClaimed: float64(claimed.UnixMilli()), ColFirstContact: nil,
		ColAmount: 12345.0,
		ColLink:   map[string]string{"text": "#42", "link": "https://applink.feishu.cn/client/chat/open?openChatId=oc_sales&lead=42"},
	}
	if diff := cmp.Diff(want, MirrorRecordOf(v, o)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	o.FullContact = true
	if got := MirrorRecordOf(v, o)[ColPhone]; got != "+8613900139000" {
		t.Errorf("full_contact phone: %v", got)
	}
	l.Grade = Grade{Letter: "B", Points: 60}
	if got := MirrorRecordOf(v, o)[ColGrade]; got != "B" {
		t.Errorf("grade column: %v", got)
	}
	l.Grade = Grade{}
	// An erased customer leaves no personal data in Base, and a released lead no owner.
	c.ErasedAt, l.OwnerID = created, ""
	r := MirrorRecordOf(v, o)
	if r[ColName] != "" || r[ColPhone] != "" || r[ColCompany] != "" {
		t.Errorf("erased customer: %v %v %v", r[ColName], r[ColPhone], r[ColCompany])
	}
	if owner, _ := r[ColOwner].([]map[string]string); len(owner) != 0 {
		t.Errorf("owner of a released lead: %v", r[ColOwner])
	}
	// Every column the mapping writes exists in the schema, and no Ops column is written.
	cols := map[string]BaseField{}
	for _, f := range BaseFields("zh", nil) {
		cols[f.Name] = f
	}
	for k := range r {
		if f, ok := cols[k]; !ok || f.Ops {
			t.Errorf("column %s: in schema %v, ops %v", k, ok, f.Ops)
		}
	}
}

// TestMirrorCustomFields: each custom field is a column typed by its field type, labelled in the table's
// language (with its key when the label is one of Baton's columns); values are written in that column's
// format, pii values masked unless full_contact, and an unset field is an empty cell.
func TestMirrorCustomFields(t *testing.T) {
	t.Parallel()
	defs := []FieldDef{
		{Key: "budget", Zh: "预算", En: "Budget", Type: FieldMoney},
		{Key: "industry", Zh: "行业", En: "Industry", Type: FieldSelect, Options: []FieldOption{{Value: "manufacturing", Zh: "制造", En: "Manufacturing"}}},
		{Key: "products", Zh: "产品", Type: FieldMultiselect, Options: []FieldOption{{Value: "crm", Zh: "客户管理", En: "CRM"}}},
		{Key: "sign_date", Zh: "签约日期", Type: FieldDate},
		{Key: "trial", Zh: "试用", Type: FieldBool},
		{Key: "contact", Zh: "对接人", Type: FieldMember},
		{Key: "wechat", Zh: "微信", Type: FieldText, PII: true},
		{Key: "company2", Zh: "公司", Type: FieldText},
		{Key: "head_count", Zh: "人数", Type: FieldNumber},
	}
	var got []string
	for _, f := range BaseFields("zh", defs)[len(BaseFields("zh", nil)):] {
		got = append(got, fmt.Sprintf("%s/%d/%v", f.Name, f.Type, f.Options))
	}
	want := []string{"预算/2/[]", "行业/3/[制造]", "产品/4/[客户管理]", "签约日期/5/[]", "试用/3/[是 否]", "对接人/11/[]",
		"微信/1/[]", "公司（company2）/1/[]", "人数/2/[]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	l := &Lead{ID: 7, Fields: map[string]any{"budget": 200000.0, "industry": "manufacturing", "products": []any{"crm"},
		"sign_date": "2026-03-05", "trial": false, "contact": "ou_a", "wechat": "zhang-wx-42"}}
	o := MirrorOptions{Lang: "zh", Fields: defs, Location: shanghai}
	r := MirrorRecordOf(LeadView{Lead: l}, o)
	wantCells := map[string]any{"预算": 200000.0, "行业": "制造", "产品": []string{"客户管理"},
		"签约日期": float64(time.Date(2026, 3, 5, 0, 0, 0, 0, shanghai).UnixMilli()), "试用": "否",
		"对接人": []map[string]string{{"id": "ou_a"}}, "微信": "z***", "公司（company2）": nil, "人数": nil}
	for col, w := range wantCells {
		if diff := cmp.Diff(w, r[col]); diff != "" {
			t.Errorf("cell %s (-want +got):\n%s", col, diff)
		}
	}
	o.FullContact = true
	if got := MirrorRecordOf(LeadView{Lead: l}, o)["微信"]; got != "zhang-wx-42" {
		t.Errorf("full_contact pii cell = %v", got)
	}
}

func TestBaseCellReaders(t *testing.T) {
	t.Parallel()
	if got := BaseStrings([]any{"a", map[string]any{"text": "b"}, map[string]any{"name": "c"}, 3}); !cmp.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("BaseStrings: %v", got)
	}
	if got := BaseCellText([]any{map[string]any{"type": "text", "text": "展会"}, map[string]any{"type": "text", "text": "认识"}}); got != "展会认识" {
		t.Errorf("BaseCellText segments: %q", got)
	}
	if got := BaseCellText("plain"); got != "plain" {
		t.Errorf("BaseCellText string: %q", got)
	}
}
