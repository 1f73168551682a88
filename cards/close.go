package cards

import (
	"strconv"

	"github.com/baton-crm/baton/crm"
)

// CloseConfirmCard replaces the owner card once its close form passed Baton's checks: what will be
// recorded (won with the amount read back, or lost with its reason), and buttons to confirm or go back.
// The confirm button carries the checked values, so what the rep confirms is exactly what is stored.
func CloseConfirmCard(v crm.LeadView, won bool, reason string, amount int64) []byte {
	name, nameEN := customerName(v)
	l := v.Lead
	var zh, en string
	args := map[string]string{"outcome": "lost", "reason": reason}
	if won {
		args = map[string]string{"outcome": "won", "amount": strconv.FormatInt(amount, 10)}
		zh, en = "确认赢单", "Confirm won"
		if amount > 0 {
			zh, en = zh+"，成交金额 **"+money(amount)+"**", en+", deal amount **"+money(amount)+"**"
		}
	} else {
		zh = "确认输单，原因：**" + knownReason(reason, "zh") + "**"
		en = "Confirm lost, reason: **" + knownReason(reason, "en") + "**"
	}
	confirm := At(l, OpCloseConfirm)
	confirm.Args = args
	elems := append(brief(v), hr{Tag: "hr"}, md(zh+"？", en+"?"),
		noteDiv("结单后不能再更新阶段", "A closed lead cannot change stage"),
		buttonRow(
			actionButton("close_confirm", "确认结单", "Confirm", btnPrimary, confirm),
			actionButton("close_back", "返回修改", "Back", btnDefault, At(l, OpCloseBack)),
		))
	return newCard("确认结单："+name, "Confirm close: "+nameEN, newHeader("确认结单："+name, "Confirm close: "+nameEN, colorOrange), elems...)
}
