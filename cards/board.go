package cards

import (
	"fmt"
	"strconv"

	"github.com/baton-crm/baton/crm"
)

// BoardCard is a pool board (crm/board.go): up to crm.BoardSize leads of a burst in one card, each row with
// the masked contact, the source, how long it has waited and its own Claim button; claimed rows name their
// owner, closed ones say so, and a lead whose card moved elsewhere points there. A row costs at most five
// components (column set, two columns, text, button), so 20 rows stay far inside Lark's 200 per card, and a
// full board is about a third of the 30 KB limit
// (https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure; see
// TestBoardCardWithinLarkLimits).
func (Renderer) BoardCard(v crm.BoardView) []byte {
	if v.Board == nil {
		return Text("找不到该线索看板", "This lead board could not be found")
	}
	waiting := 0
	elems := make([]any, 0, 2*len(v.Rows)+2)
	for _, r := range v.Rows {
		elems = append(elems, boardRow(v, r, &waiting)...)
	}
	pool := ""
	if v.Pool != nil {
		pool = cleanLine(v.Pool.Name)
		if pool == "" {
			pool = cleanLine(v.Pool.Key)
		}
	}
	template := colorBlue
	titleZH := fmt.Sprintf("%d 条新线索待认领", waiting)
	titleEN := fmt.Sprintf("%d new leads to claim", waiting)
	if waiting == 0 {
		template = colorGreen
		titleZH, titleEN = "本批线索已全部认领", "Every lead on this board is taken"
	}
	h := newHeader(titleZH, titleEN, template)
	if pool != "" {
		sub := plain(same(pool))
		h.Subtitle = &sub
	}
	n := strconv.Itoa(len(v.Rows))
	h.Tags = append(h.Tags, tag("线索看板 · "+n+" 条", "Lead board · "+n, "neutral"))
	return newCard(titleZH, titleEN, h, elems...)
}

// maxBoardText clips a name or a company on a board: twenty rows of the longest names must still fit one card.
const maxBoardText = 24

// boardRow draws one lead of a board and counts it in waiting while it is claimable there.
func boardRow(v crm.BoardView, r crm.BoardRowView, waiting *int) []any {
	if r.Lead == nil {
		return []any{noteDiv("找不到这条线索", "This lead could not be found")}
	}
	lv := crm.LeadView{Lead: r.Lead, Customer: r.Customer, Pool: v.Pool, Owner: r.Owner, Now: v.Now, Location: v.Location}
	l := r.Lead
	name, nameEN := customerName(lv)
	name, nameEN = clip(name, maxBoardText), clip(nameEN, maxBoardText)
	line, lineEN := name, nameEN
	c := customer(lv)
	if co := clip(cleanLine(c.Company), maxBoardText); co != "" && co != name && !erased(lv) {
		line, lineEN = line+" · "+co, lineEN+" · "+co
	}
	var facts []string
	if p := cleanLine(crm.MaskPhone(c.Phone)); p != "" && !erased(lv) {
		facts = append(facts, p)
	}
	if s := clip(cleanLine(l.Source), maxBoardText); s != "" {
		facts = append(facts, s)
	}
	detail, detailEN := join(facts), join(facts)
	switch {
	case r.Moved:
		return []any{plainDiv(line, lineEN), noteDiv("已另发新卡片，请在群里最新的卡片上操作", "This lead has a newer card in this chat; use that one")}
	case !l.Open():
		zh, en := closedLine(l)
		return []any{plainDiv(line, lineEN), noteDiv(zh, en)}
	case l.Owned():
		at := clock(l.ClaimedAt, v.Now, v.Location)
		zh, en := "认领人 %s · "+at+" 认领", "claimed by %s at "+at
		if v.Pool != nil && v.Pool.Mode == crm.ModeAssign {
			zh, en = "分配给 %s · "+at, "assigned to %s at "+at
		}
		return []any{plainDiv(line, lineEN), ownerLine(lv, zh, en)}
	}
	*waiting++
	if !l.PooledAt.IsZero() {
		zh, en := span(v.Now.Sub(l.PooledAt))
		detail, detailEN = joinNonEmpty(detail, "已等待 "+zh), joinNonEmpty(detailEN, "waiting "+en)
	}
	text := plainDiv(line+"\n"+detail, lineEN+"\n"+detailEN)
	a := At(l, OpClaim)
	a.Args = map[string]string{"board": strconv.FormatInt(v.Board.ID, 10)}
	return []any{row(text, actionButton("claim_"+strconv.FormatInt(l.ID, 36), "认领", "Claim", btnPrimaryFilled, a))}
}

func join(parts []string) string {
	out := ""
	for _, p := range parts {
		out = joinNonEmpty(out, p)
	}
	return out
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " · " + b
}
