package cards

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// Fixed inputs for every card test: a Thursday morning in Shanghai.
var (
	shanghai = mustLoc("Asia/Shanghai")
	now      = time.Date(2026, 11, 27, 10, 0, 0, 0, shanghai)
)

const (
	fullPhone     = "+8613800138000"
	nationalPhone = "13800138000"
	fullEmail     = "zhang.san@example.com"
	ownerID       = "ou_owner1"
	opsID         = "ou_ops1"
	managerID     = "ou_manager1"
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load %s: %v", name, err))
	}
	return loc
}

func testPool() *crm.Pool {
	return &crm.Pool{
		Key: "east", Name: "华东线索池", ChatID: "oc_east", Mode: crm.ModeClaim,
		Managers: []string{managerID}, Members: []string{ownerID, "ou_rep2", "ou_rep3"},
		SLA: crm.SLA{Unclaimed: []crm.SLAStep{{After: 5 * time.Minute, Action: crm.ActionRemindPool}}},
	}
}

// pooledView is a lead waiting in the pool for 12 minutes, with two touches and two insights.
func pooledView() crm.LeadView {
	return crm.LeadView{
		Lead: &crm.Lead{
			ID: 123, CustomerID: 45, Source: "web-form", Campaign: "双11大促", Tags: []string{"双11"},
			Note: "想了解企业版报价", Pool: "east", Stage: crm.StageNew, Rev: 7,
			CreatedAt: now.Add(-12 * time.Minute), PooledAt: now.Add(-12 * time.Minute),
			NextDueAt: now.Add(3 * time.Minute),
		},
		Customer: &crm.Customer{
			ID: 45, Name: "张三", Phone: fullPhone, Email: fullEmail, Company: "ACME 科技",
			Title: "CTO", Region: "上海", Tags: []string{"高意向", "价格敏感"},
		},
		Pool: testPool(),
		Touches: []crm.Touch{
			{ID: 1, LeadID: 123, Source: "ads", Campaign: "春季投放", CreatedAt: now.Add(-30 * 24 * time.Hour)},
			{ID: 2, LeadID: 123, Source: "web-form", Campaign: "双11大促", CreatedAt: now.Add(-12 * time.Minute)},
		},
		Insights: []crm.Insight{
			{ID: 1, Target: crm.InsightTarget{CustomerID: 45}, Tags: []string{"高意向"}, Note: "上周参加了线下沙龙，对集成很感兴趣",
				AuthorID: opsID, CreatedAt: now.Add(-26 * time.Hour)},
			{ID: 2, Target: crm.InsightTarget{Campaign: "双11大促"}, Note: "本活动线索预算普遍在 10 万以上",
				AuthorID: opsID, CreatedAt: now.Add(-2 * time.Hour)},
		},
		Now: now, Location: shanghai,
	}
}

func overdueView() crm.LeadView {
	v := pooledView()
	v.Lead.SLAStep = 1
	v.Lead.PooledAt = now.Add(-40 * time.Minute)
	v.Lead.PrevOwnerID = "ou_rep2"
	return v
}

func claimedView() crm.LeadView {
	v := pooledView()
	l := v.Lead
	l.OwnerID, l.Stage, l.Rev = ownerID, crm.StageContacted, 9
	l.ClaimedAt = now.Add(-55 * time.Minute)
	l.FirstContactAt = now.Add(-30 * time.Minute)
	l.ProtectedUntil = now.Add(7 * 24 * time.Hour)
	l.FollowUpAt = time.Date(2026, 11, 30, 14, 30, 0, 0, shanghai)
	l.NextDueAt = time.Time{}
	v.Owner = &crm.Member{OpenID: ownerID, Name: "李四"}
	return v
}

func assignedView() crm.LeadView {
	v := claimedView()
	v.Pool.Mode = crm.ModeAssign
	return v
}

func wonView() crm.LeadView {
	v := claimedView()
	v.Lead.Stage, v.Lead.Value, v.Lead.ClosedAt = crm.StageWon, 12345678, now.Add(-time.Hour)
	return v
}

func lostView() crm.LeadView {
	v := claimedView()
	v.Lead.Stage, v.Lead.LostReason, v.Lead.ClosedAt = crm.StageLost, "competitor", now.Add(-time.Hour)
	return v
}

func lockedView() crm.LeadView {
	v := claimedView()
	v.Lead.Locked = true
	return v
}

func erasedView() crm.LeadView {
	v := pooledView()
	v.Customer = &crm.Customer{ID: 45, ErasedAt: now.Add(-time.Hour)}
	return v
}

// maximalView is the largest realistic lead: long names, 20 touches, 10 insights with long notes.
func maximalView() crm.LeadView {
	v := claimedView()
	long := strings.Repeat("很长的名字Long😀", 20)
	v.Customer.Name, v.Customer.Company, v.Customer.Title, v.Customer.Region = long, long, long, long
	v.Customer.Tags = nil
	for i := range 30 {
		v.Customer.Tags = append(v.Customer.Tags, fmt.Sprintf("标签tag%02d", i))
	}
	v.Lead.Campaign, v.Lead.Note = long, strings.Repeat("备注内容 note ", 200)
	v.Touches = nil
	for i := range 20 {
		v.Touches = append(v.Touches, crm.Touch{ID: int64(i + 1), LeadID: 123, Source: "source-with-a-long-key",
			Campaign: long, CreatedAt: now.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	v.Insights = nil
	for i := range 10 {
		v.Insights = append(v.Insights, crm.Insight{ID: int64(i + 1), Tags: []string{"高意向", "预算充足", "决策人"},
			Note: strings.Repeat("洞察内容 insight text ", 60), AuthorID: opsID, CreatedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	return v
}

func event(kind crm.EventKind, kv ...string) crm.LeadEvent {
	return crm.NewEvent(kind, "", now, kv...)
}

// retired marks v as a card that is no longer the live one for its lead.
func retired(v crm.LeadView) crm.LeadView {
	v.Retired = true
	return v
}

// goldenCase is one card with a stable name (its golden file) and whether it may reach a group chat.
type goldenCase struct {
	name  string
	group bool // shown in a chat others read: the full phone and email must not appear
	build func() []byte
}

func goldenCases() []goldenCase {
	r := Renderer{}
	pool := func(v crm.LeadView) func() []byte { return func() []byte { return r.PoolCard(v) } }
	owner := func(v crm.LeadView) func() []byte { return func() []byte { return r.OwnerCard(v) } }
	ev := func(v crm.LeadView, e crm.LeadEvent) func() []byte { return func() []byte { return r.EventCard(v, e) } }
	return []goldenCase{
		{"pool_new", true, pool(pooledView())},
		{"pool_graded", true, pool(gradedView())},
		{"pool_overdue", true, pool(overdueView())},
		{"pool_claimed", true, pool(claimedView())},
		{"pool_assigned", true, pool(assignedView())},
		{"pool_won", true, pool(wonView())},
		{"pool_lost", true, pool(lostView())},
		{"pool_erased", true, pool(erasedView())},
		{"owner_open", false, owner(claimedView())},
		{"owner_locked", false, owner(lockedView())},
		{"owner_won", false, owner(wonView())},
		{"owner_lost", false, owner(lostView())},
		{"owner_released", true, owner(retired(pooledView()))},
		{"owner_handed_over", true, owner(retired(claimedView()))},
		{"pool_retired", true, pool(retired(pooledView()))},
		{"owner_close_confirm", false, func() []byte { return CloseConfirmCard(claimedView(), true, "", 1200050) }},
		{"owner_close_confirm_lost", false, func() []byte { return CloseConfirmCard(claimedView(), false, "competitor", 0) }},
		{"event_handled", true, func() []byte {
			v := claimedView()
			zh, en := HandledText(OpReassign, v.Lead, v.Location, v.Now)
			return HandledCard(v, managerID, zh, en, v.Now)
		}},
		{"event_touch", true, ev(claimedView(), event(crm.EventTouch, "source", "ads", "campaign", "年终回馈"))},
		{"event_reminded_pool", true, ev(overdueView(), event(crm.EventReminded, "clock", "unclaimed", "step", "1", "action", "remind_pool", "after", "15m"))},
		{"event_reminded_owner", true, ev(claimedView(), event(crm.EventReminded, "clock", "first_contact", "step", "1", "action", "remind_owner", "after", "2h"))},
		{"event_escalated_pool", true, ev(overdueView(), event(crm.EventEscalated, "clock", "unclaimed", "step", "2", "after", "30m"))},
		{"event_escalated_owner", true, ev(claimedView(), event(crm.EventEscalated, "clock", "first_contact", "step", "2", "after", "4h"))},
		{"event_followup_due", true, ev(claimedView(), event(crm.EventFollowUpDue, "due", "2026-11-27T09:30:00+08:00"))},
		{"event_recycle_warned", true, ev(claimedView(), event(crm.EventWarned, "deadline", "2026-11-28T10:00:00+08:00"))},
		{"event_recycled", true, ev(pooledView(), event(crm.EventRecycled, "prev_owner", ownerID))},
		{"owner_notes", false, owner(notedView())},
		{"owner_many_notes", false, owner(manyNotesView())},
		{"event_touch_note", true, ev(notedView(), event(crm.EventTouch, "source", crm.ChatSource, "touch", "3"))},
		{"event_escalated_notes", true, ev(notedView(), event(crm.EventEscalated, "clock", "first_contact", "step", "2", "after", "4h"))},
		{"history_owner", false, func() []byte { return HistoryCard(historyOf(notedView(), false)) }},
		{"history_manager", true, func() []byte { return HistoryCard(historyOf(notedView(), true)) }},
		{"history_empty", true, func() []byte { return HistoryCard(historyOf(pooledView(), true)) }},
		{"help", true, Help},
		{"command_error", true, func() []byte {
			return CommandError("无法识别的命令 /leed", "Unknown command /leed", "/lead name=张三 phone=13812345678")
		}},
		{"lead_list", true, func() []byte {
			return LeadList([2]string{"公海线索", "Pool leads"}, []crm.LeadView{pooledView(), overdueView(), claimedView(), wonView()})
		}},
		{"lead_list_empty", true, func() []byte { return LeadList([2]string{"我的线索", "My leads"}, nil) }},
		{"lead_form", true, func() []byte { return LeadForm() }},
		{"lead_form_fields", true, func() []byte { return LeadForm(testFields()...) }},
		{"pool_fields", true, pool(withFields(pooledView()))},
		{"owner_fields", false, owner(withFields(claimedView()))},
		{"text", true, func() []byte { return Text("已认领", "Lead claimed") }},
		{"board_mixed", true, func() []byte { return r.BoardCard(boardView(7, true)) }},
		{"board_all_claimed", true, func() []byte { return r.BoardCard(boardAllClaimed()) }},
	}
}

// MustDecodeCard parses a card and fails the test when it is not a JSON object.
func MustDecodeCard(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("card is not a JSON object: %v\n%s", err, b)
	}
	return m
}
