package cards

import "github.com/baton-crm/baton/crm"

// movedCard replaces a lead card that Baton re-posted before Lark's 14-day update window closed: it keeps
// the lead's header, shows no actions and points to the new card.
func movedCard(v crm.LeadView) []byte {
	name, nameEN := customerName(v)
	return newCard("此卡片已更新："+name, "This card moved: "+nameEN, leadHeader(v, colorGrey),
		plainDiv("此卡片已更新，请查看最新卡片", "This card moved: see the latest"))
}
