package cards

import (
	"fmt"
	"strings"

	"github.com/baton-crm/baton/crm"
)

var _ crm.DigestRenderer = Renderer{}

// Row caps keep the busiest week's digest well under Lark's 30 KB card limit.
const (
	digestSources = 10
	digestLeaders = 10
	digestQuality = 12
	digestTags    = 10
	digestReasons = 5
)

// chart is the card's VChart component. Lark draws the spec; the spec carries data, not text to translate
// (only content, default_value and img_key have i18n variants:
// https://open.feishu.cn/document/feishu-cards/configure-multi-language-content), so each chart sits under a
// bilingual markdown heading and its labels are in the team's language (Renderer.Language).
type chart struct {
	Tag         string         `json:"tag"`
	ElementID   string         `json:"element_id"`
	AspectRatio string         `json:"aspect_ratio"`
	ColorTheme  string         `json:"color_theme"`
	ChartSpec   map[string]any `json:"chart_spec"`
}

// chartLabel picks the team's language for a chart label: showing both crowds the chart for everyone.
func (r Renderer) chartLabel(zh, en string) string {
	if r.Language == "en" {
		return en
	}
	return zh
}

func newChart(id string, spec map[string]any) chart {
	return chart{Tag: "chart", ElementID: id, AspectRatio: "16:9", ColorTheme: "brand", ChartSpec: spec}
}

// lines collects a bilingual block line by line.
type lines struct{ zh, en []string }

func (l *lines) add(zh, en string) { l.zh, l.en = append(l.zh, zh), append(l.en, en) }
func (l *lines) empty() bool       { return len(l.zh) == 0 }
func (l *lines) md() markdown      { return md(strings.Join(l.zh, "\n"), strings.Join(l.en, "\n")) }
func (l *lines) plain() div        { return plainDiv(strings.Join(l.zh, "\n"), strings.Join(l.en, "\n")) }

func pct(r float64) string { return fmt.Sprintf("%.0f%%", r*100) }

// DigestCard is the weekly digest: headline figures with week-over-week deltas, leads by source (chart and
// list), speed, SLA breaches, the funnel (chart and conversions), closes, quality feedback, insight tags and
// the leaderboard. Source, campaign and tag names come from outside Baton, so they stay in plain text.
func (r Renderer) DigestCard(d *crm.Digest) []byte {
	f := d.Figures
	scopeZH, scopeEN := digestScope(d)
	titleZH, titleEN := "周报 · "+scopeZH+" · "+d.Week.String(), "Digest · "+scopeEN+" · "+d.Week.String()
	h := newHeader(titleZH, titleEN, colorIndigo)
	loc := d.Week.Start.Location()
	rng := d.Week.Start.Format("01-02") + " – " + d.Week.End.AddDate(0, 0, -1).In(loc).Format("01-02")
	sub := plain(rng, rng)
	if d.Partial() {
		sub = plain(rng+"（截至 "+d.Now.In(loc).Format("01-02 15:04")+"）", rng+" (so far, "+d.Now.In(loc).Format("01-02 15:04")+")")
	}
	h.Subtitle = &sub
	elems := []any{headline(d)}
	elems = append(elems, sourceElems(f, r.chartLabel)...)
	elems = append(elems, hr{Tag: "hr"}, speedElem(f))
	elems = append(elems, funnelElems(f, r.chartLabel)...)
	elems = append(elems, hr{Tag: "hr"}, closesElem(f))
	elems = append(elems, gradeElems(f)...)
	elems = append(elems, qualityElems(f)...)
	elems = append(elems, leaderElems(f)...)
	return newCard(titleZH, titleEN, h, elems...)
}

func digestScope(d *crm.Digest) (string, string) {
	if d.AllPools {
		return "全部线索池", "all pools"
	}
	names := make([]string, 0, len(d.Pools))
	for _, p := range d.Pools {
		n := p.Name
		if n == "" {
			n = p.Key
		}
		names = append(names, cleanLine(n))
	}
	s := clip(strings.Join(names, "、"), maxLine)
	return s, s
}

// headline shows the week's key figures and how each moved since the week before.
func headline(d *crm.Digest) markdown {
	var l lines
	f := d.Figures
	l.add(fmt.Sprintf("**新线索** %d　**认领** %d　**赢单** %d　**赢率** %s　**成交额** %s",
		f.NewLeads, f.Claims, f.Won, pct(f.WinRate()), money(f.Revenue)),
		fmt.Sprintf("**New leads** %d　**Claims** %d　**Won** %d　**Win rate** %s　**Revenue** %s",
			f.NewLeads, f.Claims, f.Won, pct(f.WinRate()), money(f.Revenue)))
	if deltas := d.Deltas(); len(deltas) > 0 {
		var zh, en []string
		for _, dl := range deltas {
			z, e := deltaName(dl.Key)
			vz, ve := deltaText(dl)
			zh, en = append(zh, z+" "+vz), append(en, e+" "+ve)
		}
		l.add("较上周："+strings.Join(zh, "，"), "Versus last week: "+strings.Join(en, ", "))
	}
	return l.md()
}

var deltaNames = map[string][2]string{
	"new_leads": {"新线索", "new leads"}, "claims": {"认领", "claims"}, "claim_p50": {"认领用时", "time to claim"},
	"contact_p50": {"首次联系用时", "time to contact"}, "breaches": {"SLA 超时", "SLA breaches"},
	"recycled": {"回收", "recycled"}, "won": {"赢单", "won"}, "revenue": {"成交额", "revenue"}, "win_rate": {"赢率", "win rate"},
}

func deltaName(key string) (string, string) { n := deltaNames[key]; return n[0], n[1] }

// deltaText is the change with an arrow, green for good news and red for bad.
func deltaText(d crm.Delta) (string, string) {
	if d.Diff() == 0 {
		return "持平", "flat"
	}
	arrow := "↑"
	if d.Diff() < 0 {
		arrow = "↓"
	}
	zh, en := arrow+"（上周为 0）", arrow+" (none last week)"
	switch {
	case d.Key == "win_rate":
		zh = fmt.Sprintf("%s%.0f 个百分点", arrow, abs(d.Diff())*100)
		en = fmt.Sprintf("%s%.0f pt", arrow, abs(d.Diff())*100)
	case d.HasPct:
		zh = fmt.Sprintf("%s%.0f%%", arrow, abs(d.Pct)*100)
		en = zh
	}
	color := "red"
	if d.Better {
		color = "green"
	}
	return "<font color='" + color + "'>" + zh + "</font>", "<font color='" + color + "'>" + en + "</font>"
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// sourceElems: a grouped bar chart of new leads per source under both attribution models, then the
// per-campaign list.
func sourceElems(f *crm.DigestFigures, label func(zh, en string) string) []any {
	if len(f.Sources) == 0 {
		return []any{noteDiv("本周没有新线索", "No new leads this week")}
	}
	bySource := map[string][2]int{}
	var order []string
	for _, s := range f.Sources {
		k := clip(cleanLine(s.Source), maxListed)
		if _, ok := bySource[k]; !ok {
			order = append(order, k)
		}
		v := bySource[k]
		v[0] += s.FirstTouch
		v[1] += s.LastTouch
		bySource[k] = v
	}
	if len(order) > digestSources {
		order = order[:digestSources]
	}
	var values []any
	for _, k := range order {
		values = append(values,
			map[string]any{"source": k, "model": label("首次触达", "First touch"), "leads": bySource[k][0]},
			map[string]any{"source": k, "model": label("末次触达", "Last touch"), "leads": bySource[k][1]})
	}
	bar := newChart("chart_sources", map[string]any{
		"type": "bar", "data": map[string]any{"values": values},
		"xField": []string{"source", "model"}, "yField": "leads", "seriesField": "model",
		"legends": map[string]any{"visible": true, "orient": "bottom"},
		"label":   map[string]any{"visible": true},
	})
	var l lines
	for i, s := range f.Sources {
		if i == digestSources {
			l.add(fmt.Sprintf("…另有 %d 个来源/活动", len(f.Sources)-i), fmt.Sprintf("…and %d more sources/campaigns", len(f.Sources)-i))
			break
		}
		name := clip(cleanLine(s.Source), maxListed)
		if c := cleanLine(s.Campaign); c != "" {
			name += " / " + clip(c, maxListed)
		}
		l.add(fmt.Sprintf("%s：首次触达 %d，末次触达 %d", name, s.FirstTouch, s.LastTouch),
			fmt.Sprintf("%s: first touch %d, last touch %d", name, s.FirstTouch, s.LastTouch))
	}
	return []any{md("**新线索来源**", "**New leads by source**"), bar, l.plain()}
}

// speedElem: how fast leads were claimed and contacted, SLA breaches by step and by rep, and returns to
// the pool.
func speedElem(f *crm.DigestFigures) markdown {
	var l lines
	l.add("**速度与 SLA**", "**Speed and SLA**")
	l.add(percentileLine("认领用时", "Time to claim", f.ClaimTime))
	l.add(percentileLine("首次联系用时", "Time to first contact", f.FirstContact))
	if len(f.Breaches) == 0 {
		l.add("SLA 超时：无", "SLA breaches: none")
	}
	for _, b := range f.Breaches {
		zh, en := "待认领", "Unclaimed"
		if b.Clock == string(crm.TimerFirstContact) {
			zh, en = "待首次联系", "Awaiting first contact"
		}
		az, ae := actionName(b.Action)
		l.add(fmt.Sprintf("SLA 超时 · %s 第 %d 级（%s）：%d 次", zh, b.Step+1, az, b.Count),
			fmt.Sprintf("SLA breach · %s step %d (%s): %d", en, b.Step+1, ae, b.Count))
	}
	for i, b := range f.BreachesRep {
		if i == digestLeaders {
			break
		}
		if m := mention(b.OwnerID); m != "" {
			l.add(fmt.Sprintf("　%s 首次联系超时 %d 次", m, b.Count), fmt.Sprintf("　%s missed first contact %d times", m, b.Count))
		}
	}
	l.add(fmt.Sprintf("自动回收 %d，主动释放 %d", f.Recycled, f.Released), fmt.Sprintf("Recycled %d, released %d", f.Recycled, f.Released))
	return l.md()
}

func percentileLine(zh, en string, p crm.Percentiles) (string, string) {
	if p.N == 0 {
		return zh + "：暂无数据", en + ": no data"
	}
	z50, e50 := span(p.P50)
	z90, e90 := span(p.P90)
	return fmt.Sprintf("%s：中位数 %s，P90 %s（%d 条）", zh, z50, z90, p.N),
		fmt.Sprintf("%s: median %s, p90 %s (%d)", en, e50, e90, p.N)
}

var actionNames = map[crm.SLAAction][2]string{
	crm.ActionRemindPool: {"提醒群", "pool reminded"}, crm.ActionRemindOwner: {"提醒负责人", "owner reminded"},
	crm.ActionEscalate: {"升级主管", "escalated"}, crm.ActionUrgent: {"加急", "urgent"},
	crm.ActionAutoAssign: {"自动分配", "auto-assigned"},
}

func actionName(a crm.SLAAction) (string, string) {
	n, ok := actionNames[a]
	if !ok {
		return cleanLine(string(a)), cleanLine(string(a))
	}
	return n[0], n[1]
}
