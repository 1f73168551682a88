package cards

import (
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

// TestLeaverCardGolden: the managers' card for a leaver lists each lead masked, with a reassign picker
// whose action names the leaver and the pool; with nothing left to hand on it says so and offers nothing.
func TestLeaverCardGolden(t *testing.T) {
	a, b := claimedView(), claimedView()
	b.Lead = &crm.Lead{ID: 124, CustomerID: 45, Pool: "east", Stage: crm.StageContacted, Rev: 3, OwnerID: ownerID}
	a.Candidates = []string{"ou_rep2", "ou_rep3"}
	b.Candidates = a.Candidates
	card := Renderer{}.LeaverCard(testPool(), ownerID, []crm.LeadView{a, b})
	compareGolden(t, "leaver", card)
	if strings.Contains(string(card), fullPhone) {
		t.Error("the leaver card shows a full phone number")
	}
	if !strings.Contains(string(card), `"leaver":"`+ownerID+`"`) {
		t.Errorf("the reassign actions do not name the leaver:\n%s", card)
	}
	compareGolden(t, "leaver_done", Renderer{}.LeaverCard(testPool(), ownerID, nil))
}
