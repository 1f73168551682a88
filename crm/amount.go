package crm

import (
	"math/big"
	"regexp"
	"strings"
)

// maxAmountYuan bounds an amount, in yuan.
const maxAmountYuan = 1_000_000_000_000

var (
	// amountUnits are the multipliers reps write after a number: 5万, 3千, 2亿, 20k.
	amountUnits = map[string]int64{"万": 10_000, "千": 1_000, "亿": 100_000_000, "k": 1_000, "K": 1_000}
	// amountNumber is a plain decimal or one with correct thousands separators.
	amountNumber = regexp.MustCompile(`^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$`)
)

// ParseAmount reads an amount as a rep types it ("19.99", "¥12,000.50", "12000元", "5万", "1.5万", "20k"),
// full-width characters included, and returns it in cents. It is exact: the decimal is never rounded
// through a float, and an amount with fractions of a cent is refused rather than stored as another.
func ParseAmount(s string) (int64, error) {
	bad := invalidField("amount", "金额格式不正确，例如 12000、¥12,000.50 或 5万",
		"The amount is not a number; for example 12000, ¥12,000.50 or 5万")
	s = strings.TrimSpace(toHalfWidth(s))
	for _, p := range []string{"¥", "￥", "RMB", "CNY"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, p))
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	unit := int64(1)
	for u, m := range amountUnits {
		if rest, ok := strings.CutSuffix(s, u); ok {
			s, unit = strings.TrimSpace(rest), m
			break
		}
	}
	if !amountNumber.MatchString(s) {
		return 0, bad
	}
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(s, ",", ""))
	if !ok {
		return 0, bad
	}
	r.Mul(r, new(big.Rat).SetInt64(unit*100))
	if !r.IsInt() {
		return 0, invalidField("amount", "金额最多精确到分", "The amount has fractions of a cent")
	}
	if r.Cmp(new(big.Rat).SetInt64(maxAmountYuan*100)) > 0 {
		return 0, invalidField("amount", "金额过大", "The amount is too large")
	}
	return r.Num().Int64(), nil
}
