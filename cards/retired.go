package cards

import "github.com/baton-crm/baton/crm"

// retiredPoolCard replaces a pool card that is no longer the live one for its lead (the lead went back to
// the pool and got a fresh card): the masked lead, no Claim, and a pointer to the latest card, so the group
// never holds two claimable cards for one lead.
func retiredPoolCard(v crm.LeadView) []byte {
	name, nameEN := customerName(v)
	elems := make([]any, 0, 4)
	if f, ok := fieldsDiv(leadFields(v, false)); ok {
		elems = append(elems, f)
	}
	elems = append(elems, hr{Tag: "hr"},
		plainDiv("此卡片已失效：线索已重新发布，请在群里最新的卡片上认领", "This card is out of date: the lead was posted again; claim it on the latest card in this chat"))
	return newCard("已失效："+name, "Out of date: "+nameEN, leadHeader(v, colorGrey), elems...)
}

// retiredOwnerCard replaces an owner's DM card once the lead has left them (released, recycled, handed to
// someone else): read-only, and the contact masked, because this person no longer owns the reveal.
func retiredOwnerCard(v crm.LeadView) []byte {
	name, nameEN := customerName(v)
	l := v.Lead
	tagZH, tagEN := "已释放", "Released"
	zh, en := "已释放：线索已回到公海池", "Released: the lead is back in the pool"
	if l.Owned() {
		tagZH, tagEN = "已转交", "Handed over"
		zh, en = "已转交：线索已由他人负责", "Handed over: someone else owns the lead now"
	}
	elems := make([]any, 0, 4)
	if f, ok := fieldsDiv(leadFields(v, false)); ok {
		elems = append(elems, f)
	}
	elems = append(elems, hr{Tag: "hr"}, plainDiv(zh, en),
		noteDiv("此卡片已只读，完整联系方式已隐藏", "This card is read-only; the full contact is hidden"))
	h := leadHeader(v, colorGrey)
	h.Tags = []textTag{tag(tagZH, tagEN, "neutral")}
	return newCard(tagZH+"："+name, tagEN+": "+nameEN, h, elems...)
}
