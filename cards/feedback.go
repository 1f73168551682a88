package cards

import (
	"fmt"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// feedbackRows caps the sources listed on the feedback card.
const feedbackRows = 15

// FeedbackCard is the sales → ops roll-up: per source and campaign how far sales took the leads and what
// they said about them, with the sources whose share of invalid or duplicate leads rose most shown first,
// in red. Source and campaign names come from outside Baton, so they stay in plain text.
func (Renderer) FeedbackCard(f *crm.FeedbackSummary) []byte {
	titleZH, titleEN := "线索质量反馈 · 近 7 天", "Lead quality feedback · last 7 days"
	color := colorTurq
	if len(f.Movers) > 0 {
		color = colorOrange
	}
	h := newHeader(titleZH, titleEN, color)
	loc := f.Until.Location()
	rng := f.Since.In(loc).Format("01-02 15:04") + " – " + f.Until.Format("01-02 15:04")
	sub := plain(rng, rng)
	h.Subtitle = &sub
	var elems []any
	if len(f.Movers) > 0 {
		var l lines
		for _, m := range f.Movers {
			name := feedbackName(m.FeedbackRow)
			was, wasEN := "上期无数据", "no data before"
			if m.HadPrev {
				was, wasEN = "上期 "+pct(m.PrevBadRate), "was "+pct(m.PrevBadRate)
			}
			l.add(fmt.Sprintf("▲ %s：空号/重复占比 %s（%s）", name, pct(m.BadRate), was),
				fmt.Sprintf("▲ %s: invalid or duplicate %s (%s)", name, pct(m.BadRate), wasEN))
		}
		d := l.plain()
		d.Text.TextColor = "red"
		elems = append(elems, md("**变差最多**", "**Worst movers**"), d, hr{Tag: "hr"})
	}
	var l lines
	for i, r := range f.Lines {
		if i == feedbackRows {
			l.add(fmt.Sprintf("…另有 %d 个来源/活动", len(f.Lines)-i), fmt.Sprintf("…and %d more sources/campaigns", len(f.Lines)-i))
			break
		}
		zh, en := feedbackLine(r)
		l.add(zh, en)
	}
	elems = append(elems, md("**按来源 / 活动**", "**By source / campaign**"), l.plain(),
		noteDiv("统计近 7 天进入的线索；空号率、重复率为被销售标记的线索占比。",
			"Leads that arrived in the last 7 days; invalid and duplicate rates are the share of leads sales marked so."))
	return newCard(titleZH, titleEN, h, elems...)
}

func feedbackName(r crm.FeedbackRow) string {
	name := clip(cleanLine(r.Source), maxListed)
	if c := cleanLine(r.Campaign); c != "" {
		name += " / " + clip(c, maxListed)
	}
	return name
}

func feedbackLine(r crm.FeedbackLine) (string, string) {
	name := feedbackName(r.FeedbackRow)
	zh := fmt.Sprintf("%s：线索 %d · 认领 %d · 联系 %d · 赢单 %d · 空号率 %s · 重复率 %s",
		name, r.Leads, r.Claimed, r.Contacted, r.Won, pct(r.InvalidRate), pct(r.DuplicateRate))
	en := fmt.Sprintf("%s: leads %d · claimed %d · contacted %d · won %d · invalid %s · duplicate %s",
		name, r.Leads, r.Claimed, r.Contacted, r.Won, pct(r.InvalidRate), pct(r.DuplicateRate))
	if len(r.LostReasons) > 0 {
		var z, e []string
		for i, kc := range r.LostReasons {
			if i == 3 {
				break
			}
			z = append(z, fmt.Sprintf("%s %d", LostReasonName(kc.Key, "zh"), kc.Count))
			e = append(e, fmt.Sprintf("%s %d", LostReasonName(kc.Key, "en"), kc.Count))
		}
		zh += " · 输单：" + strings.Join(z, "，")
		en += " · lost: " + strings.Join(e, ", ")
	}
	return zh, en
}
