package cards

import (
	"fmt"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// funnelElems: a funnel chart of the week's cohort and the share of it that passed each stage; chart labels
// are in one language (label), as chart specs carry no per-locale text.
func funnelElems(f *crm.DigestFigures, label func(zh, en string) string) []any {
	conv := f.Conversions()
	if len(conv) == 0 || conv[0].Count == 0 {
		return nil
	}
	values := make([]any, len(conv))
	var zh, en []string
	for i, c := range conv {
		z, e := stageName(c.Stage)
		values[i] = map[string]any{"stage": label(z, e), "leads": c.Count}
		if i == 0 {
			zh, en = append(zh, fmt.Sprintf("%s %d", z, c.Count)), append(en, fmt.Sprintf("%s %d", e, c.Count))
			continue
		}
		// A lead may skip stages (new → won), so each step counts only the leads that passed it and shows
		// their share of the cohort; a step-to-step rate could exceed 100%.
		zh = append(zh, fmt.Sprintf("%s %d（%s）", z, c.Count, pct(c.FromStart)))
		en = append(en, fmt.Sprintf("%s %d (%s)", e, c.Count, pct(c.FromStart)))
	}
	funnel := newChart("chart_funnel", map[string]any{
		"type": "funnel", "data": map[string]any{"values": values},
		"categoryField": "stage", "valueField": "leads",
		"label":   map[string]any{"visible": true},
		"legends": map[string]any{"visible": false},
	})
	lost := fmt.Sprintf("；其中输单 %d", f.CohortLost)
	lostEN := fmt.Sprintf("; lost so far %d", f.CohortLost)
	return []any{
		hr{Tag: "hr"},
		md("**本周新线索漏斗**", "**Funnel of this week's new leads**"),
		funnel,
		md(strings.Join(zh, " → ")+lost, strings.Join(en, " → ")+lostEN),
	}
}

// closesElem: wins, losses, revenue and the top lost reasons of the week.
func closesElem(f *crm.DigestFigures) markdown {
	var l lines
	l.add("**成交**", "**Closed**")
	l.add(fmt.Sprintf("赢单 %d，输单 %d，赢率 %s，成交额 %s", f.Won, f.Lost, pct(f.WinRate()), money(f.Revenue)),
		fmt.Sprintf("Won %d, lost %d, win rate %s, revenue %s", f.Won, f.Lost, pct(f.WinRate()), money(f.Revenue)))
	if len(f.LostReasons) > 0 {
		var zh, en []string
		for i, r := range f.LostReasons {
			if i == digestReasons {
				break
			}
			zh = append(zh, fmt.Sprintf("%s %d", knownReason(r.Key, "zh"), r.Count))
			en = append(en, fmt.Sprintf("%s %d", knownReason(r.Key, "en"), r.Count))
		}
		l.add("输单原因："+strings.Join(zh, "，"), "Lost reasons: "+strings.Join(en, ", "))
	}
	return l.md()
}

// qualityElems: what sales said about the leads of each source, and the tags ops gave new insights.
func qualityElems(f *crm.DigestFigures) []any {
	var out []any
	if len(f.Quality) > 0 {
		var l lines
		for i, q := range f.Quality {
			if i == digestQuality {
				l.add("…", "…")
				break
			}
			src := clip(cleanLine(q.Source), maxListed)
			l.add(fmt.Sprintf("%s · %s：%d", src, QualityName(q.Quality, "zh"), q.Count),
				fmt.Sprintf("%s · %s: %d", src, QualityName(q.Quality, "en"), q.Count))
		}
		out = append(out, hr{Tag: "hr"}, md("**线索质量反馈（按来源）**", "**Lead quality feedback by source**"), l.plain())
	}
	if len(f.InsightTags) > 0 {
		parts := make([]string, 0, len(f.InsightTags))
		for i, t := range f.InsightTags {
			if i == digestTags {
				break
			}
			parts = append(parts, fmt.Sprintf("%s ×%d", clip(cleanLine(t.Key), maxListed), t.Count))
		}
		s := strings.Join(parts, "　")
		out = append(out, md("**新洞察标签**", "**Top new insight tags**"), plainDiv(same(s)))
	}
	return out
}

// leaderElems: the reps ranked by wins, then contacts, then claims.
func leaderElems(f *crm.DigestFigures) []any {
	var l lines
	for i, r := range f.Leaders {
		if i == digestLeaders {
			break
		}
		m := mention(r.OpenID)
		if m == "" {
			continue
		}
		l.add(fmt.Sprintf("%d. %s　认领 %d · 联系 %d · 赢单 %d", i+1, m, r.Claims, r.Contacts, r.Wins),
			fmt.Sprintf("%d. %s　claims %d · contacts %d · wins %d", i+1, m, r.Claims, r.Contacts, r.Wins))
	}
	if l.empty() {
		return nil
	}
	head := md("**销售排行**", "**Leaderboard**")
	return []any{hr{Tag: "hr"}, head, l.md()}
}

// knownReason names a lost reason for markdown: only Baton's own reasons are named, anything else stored
// (an older or hand-edited row) reads as "other" so that outside text never reaches markdown.
func knownReason(reason, lang string) string {
	if _, ok := lostReasonNames[reason]; !ok {
		reason = "other"
	}
	return LostReasonName(reason, lang)
}
