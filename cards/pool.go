package cards

import (
	"fmt"

	"github.com/baton-crm/baton/crm"
)

// Renderer builds the lead cards; it implements crm.Renderer. The zero value is ready to use.
type Renderer struct {
	// Language is the team's language for text a card cannot carry in both languages (chart labels):
	// "en" for English, anything else Chinese.
	Language string
}

var _ crm.Renderer = Renderer{}

// PoolCard is the shared card in the pool chat. While the lead waits it shows how long, the masked contact
// and a Claim button carrying the lead's revision; once claimed it names the owner for everyone; closed
// leads turn grey. It never shows a full phone number or email.
func (Renderer) PoolCard(v crm.LeadView) []byte {
	if v.Lead == nil {
		return missingLead()
	}
	if v.Retired {
		return retiredPoolCard(v)
	}
	if v.Moved {
		return movedCard(v)
	}
	l := v.Lead
	name, nameEN := customerName(v)
	elems := make([]any, 0, 16)
	if f, ok := fieldsDiv(append(leadFields(v, false), customFieldLines(v, false)...)); ok {
		elems = append(elems, f)
	}
	if g, ok := gradeDiv(l); ok {
		elems = append(elems, g)
	}
	if n := len(v.Touches); n > 1 {
		elems = append(elems, noteDiv(fmt.Sprintf("共 %d 次触达", n), fmt.Sprintf("%d touches", n)))
	}
	elems = append(elems, insightElems(v, poolInsights)...)
	elems = append(elems, hr{Tag: "hr"})

	var template, sumZH, sumEN string
	switch {
	case !l.Open():
		template = colorGrey
		zh, en := closedLine(l)
		sumZH, sumEN = zh+"："+name, en+": "+nameEN
		elems = append(elems, plainDiv(zh, en), ownerLine(v, "负责人 %s", "Owner: %s"))
	case l.Owned():
		template = colorGreen
		at := clock(l.ClaimedAt, v.Now, v.Location)
		zh, en := "认领人 %s · "+at+" 认领", "claimed by %s at "+at
		if v.Pool != nil && v.Pool.Mode == crm.ModeAssign {
			zh, en = "分配给 %s · "+at, "assigned to %s at "+at
		}
		sumZH, sumEN = "已认领："+name, "Claimed: "+nameEN
		elems = append(elems, ownerLine(v, zh, en))
	default:
		template = colorBlue
		if l.SLAStep > 0 {
			template = colorOrange
		}
		sumZH, sumEN = "新线索："+name, "New lead: "+nameEN
		elems = append(elems, waiting(v)...)
		elems = append(elems, actionButton("claim", "认领", "Claim", btnPrimaryFilled,
			At(l, OpClaim)))
	}
	return newCard(sumZH, sumEN, leadHeader(v, template), elems...)
}

// waiting tells the pool how long the lead has waited and when the next SLA step is due.
func waiting(v crm.LeadView) []any {
	l := v.Lead
	var out []any
	if !l.PooledAt.IsZero() {
		zh, en := span(v.Now.Sub(l.PooledAt))
		line, lineEN := "已等待 "+zh, "waiting "+en
		if l.NextDueAt.After(v.Now) {
			at := clock(l.NextDueAt, v.Now, v.Location)
			line += " · 下一步提醒 " + at
			lineEN += " · next reminder at " + at
		}
		out = append(out, md("**"+line+"**", "**"+lineEN+"**"))
	}
	if l.PrevOwnerID != "" {
		out = append(out, noteDiv("此线索曾被跟进，已回到公海", "This lead was worked before and is back in the pool"))
	}
	return out
}

// missingLead stands in for a card about a lead that could not be loaded; a builder never panics on nil.
func missingLead() []byte {
	return Text("找不到这条线索", "This lead could not be found")
}
