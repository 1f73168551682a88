package cards

import (
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

func headerTemplate(t *testing.T, b []byte) string {
	t.Helper()
	h, _ := MustDecodeCard(t, b)["header"].(map[string]any)
	s, _ := h["template"].(string)
	return s
}

func ops(rep cardReport) []string {
	var out []string
	for _, a := range rep.actions {
		out = append(out, a.Op)
	}
	return out
}

// TestPoolCardStates checks the colour and the claim button through a lead's life.
func TestPoolCardStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		v        crm.LeadView
		template string
		claim    bool
		says     string
	}{
		{"new", pooledView(), "blue", true, "已等待 12 分钟"},
		{"past first SLA step", overdueView(), "orange", true, "已等待 40 分钟"},
		{"claimed", claimedView(), "green", false, "认领人 <at id=ou_owner1></at> · 09:05 认领"},
		{"assigned", assignedView(), "green", false, "分配给 <at id=ou_owner1></at> · 09:05"},
		{"won", wonView(), "grey", false, "已赢单 · 金额 ¥123,456.78"},
		{"lost", lostView(), "grey", false, "已输单 · 原因：选择了竞品"},
	}
	for _, tt := range tests {
		b := Renderer{}.PoolCard(tt.v)
		rep := checkCard(t, tt.name, b)
		if got := headerTemplate(t, b); got != tt.template {
			t.Errorf("%s: header %q, want %q", tt.name, got, tt.template)
		}
		gotClaim := strings.Contains(strings.Join(ops(rep), ","), OpClaim)
		if gotClaim != tt.claim {
			t.Errorf("%s: claim button = %v, want %v (ops %v)", tt.name, gotClaim, tt.claim, ops(rep))
		}
		if !strings.Contains(string(b), tt.says) {
			t.Errorf("%s: card does not say %q", tt.name, tt.says)
		}
	}
}

func TestOwnerCardActions(t *testing.T) {
	t.Parallel()
	open := checkCard(t, "open", Renderer{}.OwnerCard(claimedView()))
	if got, want := strings.Join(ops(open), ","), "history,save,close,feedback,release"; got != want {
		t.Errorf("open owner card ops = %s, want %s", got, want)
	}
	for name, v := range map[string]crm.LeadView{"won": wonView(), "lost": lostView()} {
		// A closed lead is read, not worked: its history is the only action left.
		rep := checkCard(t, name, Renderer{}.OwnerCard(v))
		if got := strings.Join(ops(rep), ","); got != OpHistory {
			t.Errorf("%s owner card offers actions %v", name, ops(rep))
		}
	}
	b := string(Renderer{}.OwnerCard(claimedView()))
	for _, want := range []string{"保护期至 2026-12-04 10:00", "protected until 2026-12-04 10:00", `"initial_option": "contacted"`, `"initial_datetime": "2026-11-30 14:30"`, `"tag": "picker_datetime"`} {
		if !strings.Contains(b, want) && !strings.Contains(b, strings.ReplaceAll(want, ": ", ":")) {
			t.Errorf("owner card lacks %q", want)
		}
	}
	if !strings.Contains(b, `"enable_forward":false`) {
		t.Errorf("owner card reveals contact details but can be forwarded")
	}
}

func TestEventCardKinds(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	v := claimedView()
	for _, k := range []crm.EventKind{crm.EventAssigned, crm.EventClaimed, crm.EventNote, "no_such_kind"} {
		if b := r.EventCard(v, event(k)); b != nil {
			t.Errorf("EventCard(%s) = %s, want nil", k, b)
		}
	}
	tests := []struct {
		e    crm.LeadEvent
		v    crm.LeadView
		ops  string
		says string
	}{
		{event(crm.EventTouch, "source", "ads", "campaign", "年终回馈"), v, "open", "returning customer, new touch from campaign 年终回馈"},
		{event(crm.EventReminded, "clock", "unclaimed", "action", "remind_pool", "after", "15m"), pooledView(), "claim", "等待 15 分钟未认领"},
		{event(crm.EventReminded, "clock", "first_contact", "action", "remind_owner", "after", "2h"), v, "note", "认领 2 小时仍未联系"},
		{event(crm.EventEscalated, "clock", "unclaimed", "after", "30m"), pooledView(), "history,reassign,extend", "Unclaimed for 30 min"},
		{event(crm.EventFollowUpDue, "due", "2026-11-27T09:30:00+08:00"), v, "followup_done,snooze,snooze,note", "约定跟进时间 **09:30**"},
		{event(crm.EventWarned, "deadline", "2026-11-28T10:00:00+08:00"), v, "note,release", "将于 2026-11-28 10:00 回收到公海"},
		{event(crm.EventRecycled, "prev_owner", ownerID), pooledView(), "", "已回收"},
	}
	for _, tt := range tests {
		b := r.EventCard(tt.v, tt.e)
		rep := checkCard(t, string(tt.e.Kind), b)
		if got := strings.Join(ops(rep), ","); got != tt.ops {
			t.Errorf("%s: ops %q, want %q", tt.e.Kind, got, tt.ops)
		}
		if !strings.Contains(strings.ToLower(string(b)), strings.ToLower(tt.says)) {
			t.Errorf("%s: card does not say %q", tt.e.Kind, tt.says)
		}
	}
}

// TestSparseViews: builders get views from several callers; missing parts must give a sensible card,
// never a panic.
func TestSparseViews(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	sparse := crm.LeadView{Lead: &crm.Lead{ID: 1, Stage: crm.StageNew}}
	for name, b := range map[string][]byte{
		"pool nil lead":   r.PoolCard(crm.LeadView{}),
		"owner nil lead":  r.OwnerCard(crm.LeadView{}),
		"pool sparse":     r.PoolCard(sparse),
		"owner sparse":    r.OwnerCard(sparse),
		"escalate sparse": r.EventCard(sparse, event(crm.EventEscalated)),
		"followup sparse": r.EventCard(sparse, event(crm.EventFollowUpDue)),
		"list sparse":     LeadList([2]string{"", ""}, []crm.LeadView{{}, sparse}),
	} {
		checkCard(t, name, b)
	}
	if b := r.EventCard(crm.LeadView{}, event(crm.EventTouch)); b != nil {
		t.Errorf("event card without a lead = %s, want nil", b)
	}
}
