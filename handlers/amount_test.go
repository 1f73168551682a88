package handlers

import (
	"testing"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// TestCloseFormAmountIsExact: the won form's amount is read as the rep typed it, in cents, never through a
// float ("19.99" used to become 1998 cents), and the forms Chinese teams type ("5万", "¥12,000.50") work.
func TestCloseFormAmountIsExact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"19.99": 1999, "0.29": 29, "5万": 5_000_000, "¥12,000.50": 1_200_050} {
		_, _, got, err := closeForm(bot.CardAction{FormValue: map[string]any{"amount": in}}, cards.OpWon)
		if err != nil || got != want {
			t.Errorf("amount %q = %d cents, %v; want %d", in, got, err, want)
		}
	}
	_, _, _, err := closeForm(bot.CardAction{FormValue: map[string]any{"amount": "很多"}}, cards.OpWon)
	if en, zh := crm.ErrorMessage(err); crm.ErrorField(err) != "amount" || zh == en {
		t.Errorf("a bad amount: %v (zh %q, en %q)", err, zh, en)
	}
}
