package cards

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// Caps on repeated sections; the rest is summarised as "N more".
const (
	poolInsights  = 3
	ownerInsights = 5
	ownerTouches  = 10
	maxTags       = 10
)

// field is one labelled value in a lead's field list.
type field struct {
	zh, en  string // labels
	value   string
	valueEN string // when the value itself differs by language; empty means value
}

func customer(v crm.LeadView) *crm.Customer {
	if v.Customer == nil {
		return &crm.Customer{}
	}
	return v.Customer
}

func erased(v crm.LeadView) bool { return v.Customer != nil && !v.Customer.ErasedAt.IsZero() }

// customerName is the card title: the customer's name, else the company.
func customerName(v crm.LeadView) (string, string) {
	c := customer(v)
	switch {
	case erased(v):
		return "已删除的客户", "Erased customer"
	case cleanLine(c.Name) != "":
		return same(cleanLine(c.Name))
	case cleanLine(c.Company) != "":
		return same(cleanLine(c.Company))
	default:
		return "未命名客户", "Unnamed customer"
	}
}

func poolName(v crm.LeadView) string {
	if v.Pool == nil {
		return ""
	}
	if n := cleanLine(v.Pool.Name); n != "" {
		return n
	}
	return cleanLine(v.Pool.Key)
}

// leadHeader is the header shared by lead cards: customer name, pool name, source and stage tags.
func leadHeader(v crm.LeadView, template string) *header {
	zh, en := customerName(v)
	h := newHeader(zh, en, template)
	if p := poolName(v); p != "" {
		sub := plain(same(p))
		h.Subtitle = &sub
	}
	if s := cleanLine(v.Lead.Source); s != "" {
		h.Tags = append(h.Tags, tag(s, s, "neutral"))
	}
	szh, sen := stageName(v.Lead.Stage)
	h.Tags = append(h.Tags, tag(szh, sen, "blue"))
	if v.Lead.Locked {
		h.Tags = append(h.Tags, tag("已锁定", "Locked", "orange"))
	}
	return h
}

// leadFields lists what is known about the customer and lead. reveal shows the full phone and email;
// otherwise they are masked, as every card but the owner's DM must.
func leadFields(v crm.LeadView, reveal bool) []field {
	c, l := customer(v), v.Lead
	phone, email := crm.MaskPhone(c.Phone), ""
	if c.Email != "" {
		email = crm.MaskEmail(c.Email)
	}
	if reveal {
		phone, email = displayPhone(c.Phone), c.Email
	}
	if erased(v) {
		phone, email = "", ""
	}
	return []field{
		{zh: "公司", en: "Company", value: cleanLine(c.Company)},
		{zh: "职位", en: "Title", value: cleanLine(c.Title)},
		{zh: "电话", en: "Phone", value: cleanLine(phone)},
		{zh: "邮箱", en: "Email", value: cleanLine(email)},
		{zh: "地区", en: "Region", value: cleanLine(c.Region)},
		{zh: "来源", en: "Source", value: cleanLine(l.Source)},
		{zh: "活动", en: "Campaign", value: cleanLine(l.Campaign)},
		{zh: "标签", en: "Tags", value: tagList(c.Tags, l.Tags)},
		enteredBy(v),
	}
}

// enteredBy credits the person who typed the lead into chat: "由 X 录入 / entered by X". The cached name
// is user text, so it stays in this plain-text block; without a name the line is left out.
func enteredBy(v crm.LeadView) field {
	if v.EnteredBy == nil {
		return field{}
	}
	name := cleanLine(v.EnteredBy.Name)
	if name == "" {
		return field{}
	}
	return field{value: "由 " + name + " 录入", valueEN: "Entered by " + name}
}

// fieldsDiv renders the non-empty fields as one literal block, one "label: value" per line.
func fieldsDiv(fields []field) (div, bool) {
	var zh, en []string
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		en1 := f.value
		if f.valueEN != "" {
			en1 = f.valueEN
		}
		if f.zh == "" {
			// A sentence rather than a labelled value.
			zh, en = append(zh, f.value), append(en, en1)
			continue
		}
		zh = append(zh, f.zh+"："+f.value)
		en = append(en, f.en+": "+en1)
	}
	if len(zh) == 0 {
		return div{}, false
	}
	return plainDiv(strings.Join(zh, "\n"), strings.Join(en, "\n")), true
}

func tagList(lists ...[]string) string {
	var out []string
	for _, list := range lists {
		for _, t := range list {
			t = cleanLine(t)
			if t != "" && !slices.Contains(out, t) && len(out) < maxTags {
				out = append(out, t)
			}
		}
	}
	return strings.Join(out, ", ")
}

// insightElems shows the newest n insights: who and when in markdown (a mention is markdown), what in
// plain text below it, because ops typed it.
func insightElems(v crm.LeadView, n int) []any {
	if len(v.Insights) == 0 {
		return nil
	}
	ins := slices.Clone(v.Insights)
	slices.SortStableFunc(ins, func(a, b crm.Insight) int { return b.CreatedAt.Compare(a.CreatedAt) })
	shown := ins[:min(n, len(ins))]
	out := []any{md("**运营洞察**", "**Ops insights**")}
	for _, in := range shown {
		who := mention(in.AuthorID)
		if who == "" {
			who = "运营"
		}
		whoEN := mention(in.AuthorID)
		if whoEN == "" {
			whoEN = "Ops"
		}
		at := clock(in.CreatedAt, v.Now, v.Location)
		out = append(out, md(who+" · "+at, whoEN+" · "+at))
		body := clip(sanitize(in.Note, true), maxInsight)
		if tags := tagList(in.Tags); tags != "" {
			body = strings.TrimSpace("[" + tags + "] " + body)
		}
		if body != "" {
			out = append(out, plainDiv(same(body)))
		}
	}
	if more := len(ins) - len(shown); more > 0 {
		out = append(out, noteDiv(fmt.Sprintf("还有 %d 条洞察", more), fmt.Sprintf("%d more insights", more)))
	}
	return out
}

// touchElems lists the newest n touches: when, source and campaign, for attribution.
func touchElems(v crm.LeadView, n int) []any {
	if len(v.Touches) == 0 {
		return nil
	}
	ts := slices.Clone(v.Touches)
	slices.SortStableFunc(ts, func(a, b crm.Touch) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	shown := ts[:min(n, len(ts))]
	lines := make([]string, 0, len(shown)+1)
	for _, t := range shown {
		parts := []string{clock(t.CreatedAt, v.Now, v.Location)}
		if s := cleanLine(t.Source); s != "" {
			parts = append(parts, s)
		}
		if c := clip(cleanLine(t.Campaign), maxListed); c != "" {
			parts = append(parts, c)
		}
		lines = append(lines, strings.Join(parts, " · "))
	}
	list := strings.Join(lines, "\n")
	listZH, listEN := list, list
	if more := len(ts) - len(shown); more > 0 {
		listZH += fmt.Sprintf("\n…还有 %d 次", more)
		listEN += fmt.Sprintf("\n…%d more", more)
	}
	return []any{
		md(fmt.Sprintf("**触达记录（%d）**", len(ts)), fmt.Sprintf("**Touches (%d)**", len(ts))),
		plainDiv(listZH, listEN),
	}
}

// ownerLine is a line about the owner: markdown with a mention when the open_id is usable, else plain text
// with the cached name (a name is user text, so it never goes into markdown).
func ownerLine(v crm.LeadView, zh, en string) any {
	if m := mention(v.Lead.OwnerID); m != "" {
		return md(strings.ReplaceAll(zh, "%s", m), strings.ReplaceAll(en, "%s", m))
	}
	name := "?"
	if v.Owner != nil && cleanLine(v.Owner.Name) != "" {
		name = cleanLine(v.Owner.Name)
	}
	return plainDiv(strings.ReplaceAll(zh, "%s", name), strings.ReplaceAll(en, "%s", name))
}

// closedLine says how a closed lead ended.
func closedLine(l *crm.Lead) (string, string) {
	if l.Stage == crm.StageWon {
		if l.Value > 0 {
			return "已赢单 · 金额 " + money(l.Value), "Won · amount " + money(l.Value)
		}
		return "已赢单", "Won"
	}
	if l.LostReason != "" {
		return "已输单 · 原因：" + LostReasonName(l.LostReason, "zh"), "Lost · reason: " + LostReasonName(l.LostReason, "en")
	}
	return "已输单", "Lost"
}
