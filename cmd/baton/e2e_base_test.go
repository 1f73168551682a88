package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/crm"
)

const e2eBaseToken = "bascnE2EBaseToken01"

// baseConfig is eastPool with the Feishu Base mirror on, with Baton creating its own table.
func baseConfig(extra ...string) string {
	return eastPool() + "base: {app_token: " + e2eBaseToken + strings.Join(extra, "") + "}\n"
}

func withBase(emu *larktest.Server) { emu.AddBase(e2eBaseToken) }

// baseTable waits for Baton to create its table and returns its id.
func (b *baton) baseTable() string {
	b.t.Helper()
	var id string
	b.wait("the Base table", func() bool {
		id = b.emu.BaseTables(e2eBaseToken)[crm.DefaultBaseTableName]
		return id != ""
	})
	return id
}

// baseRecords returns the table's records for lead id.
func (b *baton) baseRecords(table string, id int64) []larktest.BaseRecord {
	var out []larktest.BaseRecord
	for _, r := range b.emu.BaseRecords(e2eBaseToken, table) {
		if n, _ := r.Fields[crm.ColNumber].(float64); int64(n) == id {
			out = append(out, r)
		}
	}
	return out
}

// waitRecord waits until lead id has exactly one record and cond holds for it.
func (b *baton) waitRecord(table string, id int64, what string, cond func(larktest.BaseRecord) bool) larktest.BaseRecord {
	b.t.Helper()
	var rec larktest.BaseRecord
	b.wait(what, func() bool {
		rs := b.baseRecords(table, id)
		if len(rs) != 1 {
			return false
		}
		rec = rs[0]
		return cond(rec)
	})
	return rec
}

func recordOwner(r larktest.BaseRecord) string {
	us, _ := r.Fields[crm.ColOwner].([]any)
	if len(us) != 1 {
		return ""
	}
	m, _ := us[0].(map[string]any)
	id, _ := m["id"].(string)
	return id
}

// TestBaseMirrorKeepsLeadsInBase: Baton creates "Baton 线索" with typed fields, every lead becomes one
// record (masked phone), a claim and a stage change update it, and a record deleted by hand in Base is
// created again on the lead's next change.
func TestBaseMirrorKeepsLeadsInBase(t *testing.T) {
	b := startBaton(t, e2eOptions{config: baseConfig(), setup: withBase})
	table := b.baseTable()
	types := map[string]int{}
	for _, f := range b.emu.BaseFields(e2eBaseToken, table) {
		types[f.Name] = f.Type
	}
	want := map[string]int{crm.ColNumber: 2, crm.ColName: 1, crm.ColPhone: 1, crm.ColSource: 3, crm.ColPool: 3,
		crm.ColOwner: 11, crm.ColStage: 3, crm.ColGrade: 3, crm.ColTags: 4, crm.ColQuality: 3, crm.ColCreated: 5,
		crm.ColClaimed: 5, crm.ColFirstContact: 5, crm.ColAmount: 2, crm.ColLink: 15, crm.ColOpsNote: 1}
	for name, typ := range want {
		if types[name] != typ {
			t.Errorf("field %s: type %d, want %d", name, types[name], typ)
		}
	}

	id := b.postLead(map[string]any{"name": "赵一", "phone": "13900139000", "company": "一号公司", "tags": []string{"展会"}})
	rec := b.waitRecord(table, id, "the lead's record", func(r larktest.BaseRecord) bool { return r.Fields[crm.ColName] == "赵一" })
	if rec.Fields[crm.ColPhone] != "139****9000" || rec.Fields[crm.ColPool] != "east" || rec.Fields[crm.ColStage] != "新线索" ||
		rec.Fields[crm.ColCompany] != "一号公司" || recordOwner(rec) != "" {
		t.Fatalf("new lead's record: %v", rec.Fields)
	}
	if tags, _ := rec.Fields[crm.ColTags].([]any); !slices.Contains(tags, any("展会")) {
		t.Fatalf("tags: %v", rec.Fields[crm.ColTags])
	}
	if link, _ := rec.Fields[crm.ColLink].(map[string]any); !strings.Contains(fmt.Sprint(link["link"]), salesChat) {
		t.Fatalf("link: %v", rec.Fields[crm.ColLink])
	}

	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	rec = b.waitRecord(table, id, "the claim in Base", func(r larktest.BaseRecord) bool {
		return recordOwner(r) == repID(1) && r.Fields[crm.ColClaimed] != nil
	})
	owner := b.waitDMs(repID(1), 1)[0]
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"stage": "contacted", "note": "已电话沟通"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("stage change: %+v", r.Toast)
	}
	rec = b.waitRecord(table, id, "the stage change in Base", func(r larktest.BaseRecord) bool { return r.Fields[crm.ColStage] == "已联系" })

	// Someone deletes the record in Base; the lead's next change brings it back, once.
	if !b.emu.DeleteBaseRecord(e2eBaseToken, table, rec.ID) {
		t.Fatal("delete record")
	}
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"stage": "qualified"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("second stage change: %+v", r.Toast)
	}
	again := b.waitRecord(table, id, "the record created again", func(r larktest.BaseRecord) bool {
		return r.Fields[crm.ColStage] == crm.StageName(crm.StageQualified, "zh") && recordOwner(r) == repID(1)
	})
	if again.ID == rec.ID {
		t.Fatalf("record id %s was reused", again.ID)
	}
}

// TestBaseMirrorSurvivesOutagesAndConflicts: leads that arrive while Base is down, answers 1254291 to
// every write for a while, or applies a create and loses the answer, all reach Base once each.
func TestBaseMirrorSurvivesOutagesAndConflicts(t *testing.T) {
	b := startBaton(t, e2eOptions{config: baseConfig(), setup: withBase})
	table := b.baseTable()
	// Outage: every Base write fails with a 503 for a while; a storm of write conflicts follows.
	b.emu.FailNext(larktest.RouteBaseBatchCreate, 12, http.StatusServiceUnavailable, 0)
	const n = 30
	var ids []int64
	for i := range n {
		ids = append(ids, b.postLead(map[string]any{"name": fmt.Sprintf("客户%02d", i), "phone": fmt.Sprintf("1390013%04d", i)}))
		if i == n/2 {
			b.emu.FailNext(larktest.RouteBaseBatchCreate, 20, http.StatusOK, larktest.CodeBaseWriteConflict)
			b.emu.FailNext(larktest.RouteBaseBatchUpdate, 20, http.StatusOK, larktest.CodeBaseWriteConflict)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// The outage and the storm last a while: the mirror backs off between tries.
	if err := b.emu.WaitFor(ctx, func() bool { return len(b.emu.BaseRecords(e2eBaseToken, table)) >= n }); err != nil {
		t.Fatalf("every lead in Base: %v (%d records)\n%s", err, len(b.emu.BaseRecords(e2eBaseToken, table)), tail(b.logs.String(), 3000))
	}

	// A create Base applies but whose answer is lost: the retry carries the same client_token.
	b.emu.LoseBaseAnswers(1)
	extra := b.postLead(map[string]any{"name": "丢失应答", "phone": "13900138888"})
	ids = append(ids, extra)
	b.waitRecord(table, extra, "the lead whose create lost its answer", func(larktest.BaseRecord) bool { return true })
	b.settle()
	time.Sleep(time.Second) // a duplicate create would land within the mirror's next runs
	recs := b.emu.BaseRecords(e2eBaseToken, table)
	if len(recs) != len(ids) {
		t.Fatalf("%d records for %d leads", len(recs), len(ids))
	}
	for _, id := range ids {
		if rs := b.baseRecords(table, id); len(rs) != 1 {
			t.Errorf("lead %d has %d records", id, len(rs))
		}
	}
	if created, _ := b.emu.BaseStats(); created != len(ids) {
		t.Errorf("Base created %d records for %d leads", created, len(ids))
	}
}

// TestBaseEditsBecomeInsights: ops add a tag and a note to a lead's record in Base; they reach the owner's
// card as an insight by the editor, Baton's own write of the tag echoed back as an event files nothing,
// and Baton-owned columns edited in Base are written back over.
func TestBaseEditsBecomeInsights(t *testing.T) {
	b := startBaton(t, e2eOptions{config: baseConfig(), setup: withBase})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	table := b.baseTable()
	b.wait("the Base subscription", func() bool {
		for _, c := range b.emu.Calls() {
			if c.Route == larktest.RouteDriveSubscribe && c.Code == 0 {
				return true
			}
		}
		return false
	})
	id := b.postLead(map[string]any{"name": "钱二", "phone": "13900139002", "tags": []string{"展会"}})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]
	rec := b.waitRecord(table, id, "the claimed record", func(r larktest.BaseRecord) bool { return recordOwner(r) == repID(1) })
	b.settle()
	deliveries := len(b.emu.Deliveries())
	if _, err := b.emu.EditBaseRecord(ctx, e2eBaseToken, table, rec.ID, managerID, map[string]any{
		crm.ColTags: []any{"展会", "VIP客户"}, crm.ColOpsNote: "展会上聊过，预算充足", crm.ColStage: "赢单"}); err != nil {
		t.Fatal(err)
	}
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("owner card: %s", last)
		}
	}()
	b.wait("the insight on the owner's card", func() bool {
		c := b.message(owner.ID).Content
		last = c
		return strings.Contains(c, "vip客户") && strings.Contains(c, "预算充足")
	})
	// Baton writes the record again (the insight moved the lead): the stage edited in Base is put back, and
	// the echo of that write comes back as an event.
	b.waitRecord(table, id, "Baton's own write", func(r larktest.BaseRecord) bool { return r.Fields[crm.ColStage] == "新线索" })
	b.wait("the echo of Baton's write", func() bool { return len(b.emu.Deliveries()) > deliveries+1 })
	b.settle()
	if n := b.events(id, "insight"); n != 1 {
		t.Fatalf("%d insight entries on the lead, want 1 (an echo bounced)", n)
	}
	if b.lead(id)["stage"] != "new" {
		t.Fatalf("an edit of a Baton-owned column reached Baton: stage %v", b.lead(id)["stage"])
	}
}

// TestBaseMirrorCustomFields: each custom field becomes a typed column of the mirror table, a lead's values
// land in its record in that column's format, and a pii field shows masked.
func TestBaseMirrorCustomFields(t *testing.T) {
	cfg := baseConfig() + `fields:
  - {key: budget, label: {zh: 预算, en: Budget}, type: money}
  - {key: industry, label: {zh: 行业, en: Industry}, type: select, options: [{value: manufacturing, zh: 制造, en: Manufacturing}]}
  - {key: wechat, label: {zh: 微信, en: WeChat}, type: text, pii: true}
`
	b := startBaton(t, e2eOptions{config: cfg, setup: withBase})
	table := b.baseTable()
	types := map[string]int{}
	for _, f := range b.emu.BaseFields(e2eBaseToken, table) {
		types[f.Name] = f.Type
	}
	if types["预算"] != 2 || types["行业"] != 3 || types["微信"] != 1 {
		t.Errorf("custom columns: %v", types)
	}
	id := b.postLead(map[string]any{"name": "赵一", "phone": "13900139000",
		"fields": map[string]any{"budget": "¥20万", "industry": "制造", "wechat": "zhao-wx-7"}})
	rec := b.waitRecord(table, id, "the lead's record", func(r larktest.BaseRecord) bool { return r.Fields["行业"] != nil })
	if rec.Fields["预算"] != 200000.0 || rec.Fields["行业"] != "制造" || rec.Fields["微信"] != "z***" {
		t.Errorf("custom cells: %v", rec.Fields)
	}
}
