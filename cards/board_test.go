package cards

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// boardView is a board of n leads waiting; with mixed, rows 1 to 4 are claimed, won, moved on and erased.
func boardView(n int, mixed bool) crm.BoardView {
	v := crm.BoardView{Board: &crm.Board{ID: 42, Pool: "east", MessageID: "om_board"}, Pool: testPool(), Now: now, Location: shanghai}
	for i := range n {
		id := int64(1000 + i)
		l := &crm.Lead{ID: id, CustomerID: id, Source: "web-form", Pool: "east", Stage: crm.StageNew, Rev: 3,
			CreatedAt: now.Add(-time.Duration(i+1) * time.Minute), PooledAt: now.Add(-time.Duration(i+1) * time.Minute)}
		c := &crm.Customer{ID: id, Name: fmt.Sprintf("客户%02d", i), Company: fmt.Sprintf("华东制造有限公司%02d", i),
			Phone: fmt.Sprintf("+86138%08d", i)}
		row := crm.BoardRowView{Lead: l, Customer: c}
		switch {
		case mixed && i == 1:
			l.OwnerID, l.ClaimedAt, l.Rev = ownerID, now.Add(-30*time.Second), 4
			row.Owner = &crm.Member{OpenID: ownerID, Name: "李四"}
		case mixed && i == 2:
			l.Stage, l.OwnerID, l.ClosedAt = crm.StageWon, "ou_rep2", now
		case mixed && i == 3:
			row.Moved = true
		case mixed && i == 4:
			c.Name, c.Phone, c.Company, c.ErasedAt = "", "", "", now
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// boardAllClaimed is a board whose leads were all taken (its golden cards sit in goldenCases).
func boardAllClaimed() crm.BoardView {
	v := boardView(2, false)
	for _, r := range v.Rows {
		r.Lead.OwnerID, r.Lead.ClaimedAt = "ou_rep2", now
	}
	return v
}

// TestBoardCardWithinLarkLimits: a full board (crm.BoardSize rows, each with its Claim) stays under Lark's
// 30 KB card body and 200 components
// (https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure), with room to
// spare for long names; every row's Claim carries the lead, its precondition and the board.
func TestBoardCardWithinLarkLimits(t *testing.T) {
	t.Parallel()
	v := boardView(crm.BoardSize, false)
	for _, r := range v.Rows {
		r.Customer.Name = strings.Repeat("名", 60)
		r.Customer.Company = strings.Repeat("公司", 60)
		r.Lead.Source = strings.Repeat("source-", 20)
	}
	card := Renderer{}.BoardCard(v)
	t.Logf("a full board with the longest names is %d bytes", len(card))
	if len(card) > 28*1024 {
		t.Errorf("a full board is %d bytes; keep it under Lark's 30 KB with room for the header", len(card))
	}
	m := MustDecodeCard(t, card)
	components := 0
	var claims []map[string]any
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if _, ok := x["tag"]; ok {
				components++
			}
			if x["type"] == "callback" {
				claims = append(claims, x["value"].(map[string]any))
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(m["body"])
	if components > 150 {
		t.Errorf("a full board has %d components; Lark allows 200", components)
	}
	if len(claims) != crm.BoardSize {
		t.Fatalf("%d Claim buttons on a board of %d waiting leads", len(claims), crm.BoardSize)
	}
	for i, c := range claims {
		a, err := DecodeAction(c)
		if err != nil || a.Op != OpClaim || a.Lead != int64(1000+i) || a.Pre == nil || a.Args["board"] != "42" {
			t.Errorf("claim %d: %+v, %v", i, a, err)
		}
	}
	raw, _ := json.Marshal(m)
	if strings.Contains(string(raw), "13800000001") {
		t.Error("a board shows a full phone number")
	}
}
