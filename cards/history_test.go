package cards

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// TestOwnerCardShowsHistory: the owner card carries the newest notes (the previous owner's too, folded
// beyond three), the latest quality verdict with who and when, and the History button; a retired card
// carries none of it.
func TestOwnerCardShowsHistory(t *testing.T) {
	t.Parallel()
	b := string(Renderer{}.OwnerCard(notedView()))
	for _, want := range []string{
		"客户说预算下季度才批", "展会上聊过，想要报价", "第一次电话，客户在开会，约了明天", // newest, a touch's, the previous owner's
		"客户换号了 13912345678", // the owner reads notes as written
		"**质量反馈**：没有预算 · <at id=ou_owner1></at> · 09:40", "**Lead quality**: No budget",
		`"tag":"collapsible_panel"`, "更早的 2 条记录", `"op":"history"`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("owner card lacks %q", want)
		}
	}
	retired := notedView()
	retired.Retired = true
	if b := string(Renderer{}.OwnerCard(retired)); strings.Contains(b, "预算下季度") || strings.Contains(b, `"op":"history"`) {
		t.Errorf("a retired owner card still shows the history: %s", b)
	}
}

// TestManagerCardsMaskNotes: what managers read of the notes (escalation, masked history) shows no phone
// number or email address; the owner's history card shows them as written.
func TestManagerCardsMaskNotes(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	latest := notedView() // the note quoting contacts is among the newest three
	latest.History = slices.DeleteFunc(latest.History, func(e crm.HistoryEntry) bool { return e.Text == "客户说预算下季度才批" })
	for name, b := range map[string][]byte{
		"escalation": r.EventCard(latest, event(crm.EventEscalated, "clock", "first_contact", "after", "4h")),
		"history":    HistoryCard(historyOf(notedView(), true)),
	} {
		s := string(b)
		for _, secret := range []string{"13912345678", "li.si@example.com", fullPhone, fullEmail} {
			if strings.Contains(s, secret) {
				t.Errorf("%s card for a manager shows %q", name, secret)
			}
		}
		if !strings.Contains(s, "139****5678") || !strings.Contains(s, "l***@example.com") {
			t.Errorf("%s card lacks the masked note: %s", name, s)
		}
	}
	own := string(HistoryCard(historyOf(notedView(), false)))
	if !strings.Contains(own, "13912345678") || strings.Contains(own, "电话号码和邮箱已隐藏") {
		t.Error("the owner's history card masks the owner's own notes")
	}
}

// TestHistoryCardTellsWhoDidWhat: each kind of entry is worded in both languages with who and when.
func TestHistoryCardTellsWhoDidWhat(t *testing.T) {
	t.Parallel()
	b := string(HistoryCard(historyOf(notedView(), true)))
	for _, want := range []string{
		"**阶段 新线索 → 已联系** · <at id=ou_rep2></at> · 2026-11-25 10:00", "**Stage New → Contacted**",
		"**下次跟进 2026-11-26 10:00**", "**Follow up 2026-11-26 10:00**",
		"**质量反馈：优质线索** · <at id=ou_rep2></at>", "**Lead quality: Good fit**",
		"**查看了完整联系方式** · <at id=ou_owner1></at> · 09:05", "**Saw the full contact**",
		"**释放回公海** · <at id=ou_rep2></at>", "**Released to the pool**",
		"**老客户新触达** · <at id=ou_owner1></at> · 09:20", "来源 chat\n展会上聊过，想要报价",
		`"enable_forward":false`,
	} {
		if !strings.Contains(b, want) && !strings.Contains(b, strings.ReplaceAll(want, "\n", `\n`)) {
			t.Errorf("history card lacks %q", want)
		}
	}
}

// TestTouchCardShowsItsNote: the owner's returning-customer DM carries the note and who entered it.
func TestTouchCardShowsItsNote(t *testing.T) {
	t.Parallel()
	b := string(Renderer{}.EventCard(notedView(), event(crm.EventTouch, "source", crm.ChatSource, "touch", "3")))
	for _, want := range []string{"备注：展会上聊过，想要报价", "Note: 展会上聊过，想要报价", "录入人 <at id=ou_owner1></at>"} {
		if !strings.Contains(b, want) {
			t.Errorf("touch card lacks %q: %s", want, b)
		}
	}
}

// TestLongHistoriesFitLark: hundreds of long notes still make cards Lark accepts, and say what they leave out.
func TestLongHistoriesFitLark(t *testing.T) {
	t.Parallel()
	v := maximalView()
	var tl []crm.LeadEvent
	for i := range 400 {
		e := crm.NewEvent(crm.EventNote, "ou_rep_with_a_long_open_id_0123456789", now.Add(-time.Duration(i)*time.Hour),
			"text", strings.Repeat(fmt.Sprintf("很长的跟进记录 %d 😀 ", i), 100))
		e.ID = int64(1000 - i)
		tl = append(tl, e, crm.NewEvent(crm.EventStageChanged, ownerID, e.At, "from", "new", "to", "contacted"))
	}
	v.History = crm.BuildHistory(tl, v.Touches)
	r := Renderer{}
	for name, b := range map[string][]byte{
		"owner":           r.OwnerCard(v),
		"escalation":      r.EventCard(v, event(crm.EventEscalated, "clock", "first_contact", "after", "4h")),
		"history owner":   HistoryCard(historyOf(v, false)),
		"history manager": HistoryCard(historyOf(v, true)),
	} {
		checkCard(t, name, b)
	}
	if h := string(HistoryCard(historyOf(v, false))); !strings.Contains(h, "条更早的记录未显示") {
		t.Error("the history card does not say it left entries out")
	}
}
