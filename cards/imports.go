package cards

import (
	"fmt"
	"strings"
)

// ImportOwnerSummary is the one DM a rep gets for a migration import, instead of a card per lead: how many
// leads the import gave them, how many open leads they now hold, and where to find them.
func ImportOwnerSummary(imported, holding int) []byte {
	zh := fmt.Sprintf("已从旧系统导入 **%d** 条线索到你名下，你现在共有 **%d** 条进行中的线索。", imported, holding)
	en := fmt.Sprintf("**%d** leads from the old system are now yours; you hold **%d** open leads in all.", imported, holding)
	return newCard(fmt.Sprintf("导入了 %d 条线索给你", imported), fmt.Sprintf("%d leads imported for you", imported),
		newHeader("线索已导入", "Leads imported", colorBlue),
		md(zh, en),
		noteDiv("发送 /my 查看（最早认领的在前），在线索上点「打开」继续跟进。", "Send /my to list them (earliest claimed first); tap Open on a lead to work it."))
}

// ImportPoolLine is one pool's part of an import, for its managers.
type ImportPoolLine struct {
	Key, Name string
	Waiting   int // leads left in the pool, not announced one by one
	Owned     int // leads given straight to their owners
	Announced bool
}

// ImportManagerSummary is the one card a pool manager gets for a migration import: per pool, how many leads
// wait to be claimed and how many went to their owners, and how to list them. Pool names are the admin's
// words, so they go in plain text.
func ImportManagerSummary(lines []ImportPoolLine) []byte {
	var zh, en []string
	total := 0
	for _, l := range lines {
		name := cleanLine(l.Name)
		total += l.Waiting + l.Owned
		z := fmt.Sprintf("「%s」%d 条待认领，%d 条已分给原负责人", name, l.Waiting, l.Owned)
		e := fmt.Sprintf("%s: %d waiting to be claimed, %d given to their owners", name, l.Waiting, l.Owned)
		if l.Waiting > 0 {
			if l.Announced {
				z, e = z+"（已逐条发卡片）", e+" (a card each was posted)"
			} else {
				z, e = z+fmt.Sprintf("，未逐条发卡片，也不计催办时限；发送 /pool %s 查看", l.Key), e+fmt.Sprintf("; no card each and no SLA reminders: send /pool %s to list them", l.Key)
			}
		}
		zh, en = append(zh, z), append(en, e)
	}
	return newCard(fmt.Sprintf("导入了 %d 条线索", total), fmt.Sprintf("%d leads imported", total),
		newHeader("线索导入完成", "Import finished", colorBlue),
		plainDiv(strings.Join(zh, "\n"), strings.Join(en, "\n")))
}
