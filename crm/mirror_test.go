package crm

import (
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
	for _, f := range BaseFields("zh") {
		cols[f.Name] = f
	}
	for k := range r {
		if f, ok := cols[k]; !ok || f.Ops {
			t.Errorf("column %s: in schema %v, ops %v", k, ok, f.Ops)
		}
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
