package cards

import (
	"fmt"

	"github.com/baton-crm/baton/crm"
)

// leaverCardMax caps the leads one leaver card lists: each takes a few elements, and Lark refuses cards
// over its size limit. The rest are counted; a manager finds them with /pool or the lead API.
const leaverCardMax = 20

// LeaverCard goes to a department pool's managers when a member leaves the company: the leads they still
// held, each in brief (masked: the card is about someone else's customers) with a person picker that hands
// it to a pool member in one tap (the escalation card's reassign action, carrying the lead's revision).
func (Renderer) LeaverCard(p *crm.Pool, leaver string, leads []crm.LeadView) []byte {
	who := mention(leaver)
	if who == "" {
		who = "?"
	}
	pool := ""
	if p != nil {
		pool = cleanLine(p.Name)
	}
	n := len(leads)
	if n == 0 {
		title, titleEN := "成员离职：线索已全部改派", "A member left: every lead has a new owner"
		return newCard(title, titleEN, newHeader(title, titleEN, colorGrey),
			md(fmt.Sprintf("%s 在「%s」的线索都已有新的负责人。", who, pool),
				fmt.Sprintf("Every lead %s held in pool %s has a new owner.", who, pool)))
	}
	elems := []any{md(
		fmt.Sprintf("%s 已离职，仍持有「%s」的 %d 条未结线索。请为每条线索选择接手的同事：", who, pool, n),
		fmt.Sprintf("%s left the company holding %d open leads of pool %s. Pick who takes over each one:", who, n, pool))}
	for i, v := range leads {
		if i == leaverCardMax {
			more := n - leaverCardMax
			elems = append(elems, hr{Tag: "hr"}, noteDiv(
				fmt.Sprintf("另有 %d 条线索未列出，可用 /pool 查看并改派", more),
				fmt.Sprintf("%d more leads are not listed here: use /pool to find and reassign them", more)))
			break
		}
		name, nameEN := customerName(v)
		id := fmt.Sprintf("reassign_%d", i)
		elems = append(elems, hr{Tag: "hr"},
			md(fmt.Sprintf("**#%d %s**", v.Lead.ID, name), fmt.Sprintf("**#%d %s**", v.Lead.ID, nameEN)))
		elems = append(elems, brief(v)...)
		elems = append(elems, selectPerson{
			Tag: "select_person", ElementID: id, Name: id,
			Placeholder: plain("改派给…", "Reassign to…"), Options: candidates(v), Behaviors: callback(leaverReassign(v, p, leaver)),
		})
	}
	title, titleEN := "成员离职：请改派线索", "A member left: reassign their leads"
	return newCard(title, titleEN, newHeader(title, titleEN, colorOrange), elems...)
}

// leaverReassign is the reassign action on a leaver card: it names the leaver and the pool, so the answer
// can redraw the card with the leads still to hand on.
func leaverReassign(v crm.LeadView, p *crm.Pool, leaver string) Action {
	a := lead(v, OpReassign)
	a.Args = map[string]string{"leaver": leaver}
	if p != nil {
		a.Args["pool"] = p.Key
	}
	return a
}
