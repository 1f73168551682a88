package cards

import (
	"time"

	"github.com/baton-crm/baton/crm"
)

// HandledCard replaces a reminder or an escalation once someone acted on it: the lead in brief (masked,
// as event cards are), who did what and when, and no buttons, so a second tap cannot answer "done" to
// something already handled.
func HandledCard(v crm.LeadView, actor, zh, en string, at time.Time) []byte {
	name, nameEN := customerName(v)
	who := mention(actor)
	if who == "" {
		who = "?"
	}
	when := clock(at, v.Now, v.Location)
	elems := append(brief(v), hr{Tag: "hr"},
		md("✅ "+who+" "+zh+" · "+when, "✅ "+who+" "+en+" · "+when))
	return newCard("已处理："+name, "Handled: "+nameEN, newHeader("已处理："+name, "Handled: "+nameEN, colorGrey), elems...)
}

// HandledText says what a manager's or owner's answer to a reminder or escalation did, for HandledCard.
func HandledText(op string, l *crm.Lead, loc *time.Location, now time.Time) (zh, en string) {
	switch op {
	case OpReassign, OpClaimFor:
		to := mention(l.OwnerID)
		return "已将线索转交给 " + to, "handed the lead to " + to
	case OpExtend:
		return "已延长时限，SLA 重新计时", "extended the deadline; the SLA clock restarted"
	case OpLock:
		if l.Locked {
			return "已锁定线索，不会被回收", "locked the lead; it will not be recycled"
		}
		return "已解除锁定", "unlocked the lead"
	case OpFollowUpDone:
		return "已完成跟进", "marked the follow-up done"
	case OpSnooze:
		at := clock(l.FollowUpAt, now, loc)
		return "已推迟提醒至 " + at, "snoozed the reminder until " + at
	}
	return "", ""
}
