package cards

import (
	"fmt"
	"time"

	"github.com/baton-crm/baton/crm"
)

const prevOwnerID = "ou_rep2"

// notedView is claimedView after a life: a previous owner worked it, noted it (once quoting a new phone
// number), rated it and released it; the customer came back through chat with a note; the current owner
// claimed it and logged more notes.
func notedView() crm.LeadView {
	v := claimedView()
	v.Touches = append(v.Touches, crm.Touch{ID: 3, LeadID: 123, Source: crm.ChatSource, Note: "展会上聊过，想要报价",
		AuthorID: ownerID, CreatedAt: now.Add(-40 * time.Minute)})
	at := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	var id int64
	ev := func(kind crm.EventKind, actor string, t time.Time, kv ...string) crm.LeadEvent {
		id++
		e := crm.NewEvent(kind, actor, t, kv...)
		e.ID = id
		return e
	}
	tl := []crm.LeadEvent{
		ev(crm.EventCreated, "", at(30*24), "source", "ads", "pool", "east"),
		ev(crm.EventClaimed, prevOwnerID, at(72)),
		ev(crm.EventPhoneRevealed, prevOwnerID, at(72), "via", "owner_card"),
		ev(crm.EventNote, prevOwnerID, at(71), "text", "第一次电话，客户在开会，约了明天"),
		ev(crm.EventStageChanged, prevOwnerID, at(48), "from", "new", "to", "contacted"),
		ev(crm.EventNote, prevOwnerID, at(48), "text", "客户换号了 13912345678，邮箱 li.si@example.com"),
		ev(crm.EventFollowUpSet, prevOwnerID, at(48), "at", "2026-11-26T02:00:00Z"),
		ev(crm.EventFeedback, prevOwnerID, at(47), "quality", "good_fit"),
		ev(crm.EventReleased, prevOwnerID, at(26), "prev_owner", prevOwnerID),
		ev(crm.EventClaimed, ownerID, at(55.0/60)),
		ev(crm.EventPhoneRevealed, ownerID, at(55.0/60), "via", "owner_card"),
		ev(crm.EventTouch, ownerID, now.Add(-40*time.Minute), "source", crm.ChatSource, "touch", "3"),
		ev(crm.EventNote, ownerID, now.Add(-30*time.Minute), "text", "已加微信，发了报价单"),
		ev(crm.EventFeedback, ownerID, now.Add(-20*time.Minute), "quality", "no_budget"),
		ev(crm.EventNote, ownerID, now.Add(-10*time.Minute), "text", "客户说预算下季度才批"),
	}
	v.History = crm.BuildHistory(tl, v.Touches)
	return v
}

// manyNotesView has more notes than the owner card shows open or folded.
func manyNotesView() crm.LeadView {
	v := claimedView()
	var tl []crm.LeadEvent
	for i := range 14 {
		e := crm.NewEvent(crm.EventNote, ownerID, now.Add(-time.Duration(14-i)*time.Hour), "text", fmt.Sprintf("第 %d 次跟进 note %d", i+1, i+1))
		e.ID = int64(i + 1)
		tl = append(tl, e)
	}
	v.History = crm.BuildHistory(tl, v.Touches)
	return v
}

func historyOf(v crm.LeadView, masked bool) *crm.LeadHistory {
	if masked {
		v.History = crm.MaskHistory(v.History)
	}
	return &crm.LeadHistory{View: v, Masked: masked}
}
