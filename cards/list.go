package cards

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// maxRows caps a lead list; Lark allows 200 components per card and a row takes four.
const maxRows = 20

// PageSize is how many leads one page of /pool or /my shows.
const PageSize = maxRows

// LeadList answers /my and /pool: one row per lead with its key action — Claim while it waits in the pool,
// Open (the owner card again) otherwise. title is the heading in Chinese and English.
func LeadList(title [2]string, views []crm.LeadView) []byte {
	zh, en := cleanLine(title[0]), cleanLine(title[1])
	if zh == "" || en == "" {
		zh, en = "线索", "Leads"
	}
	elems, shown := listRows(views, 0)
	if more := countLeads(views) - shown; more > 0 {
		elems = append(elems, noteDiv(fmt.Sprintf("还有 %d 条未显示", more), fmt.Sprintf("%d more not shown", more)))
	}
	n := strconv.Itoa(countLeads(views))
	return newCard(zh+"（"+n+"）", en+" ("+n+")", newHeader(zh, en, colorBlue), elems...)
}

// ListKind says which listing a paged lead list is, for its wording and its next-page button.
type ListKind string

// Paged listings.
const (
	ListPool ListKind = "pool" // leads waiting in a pool, longest-waiting first
	ListMine ListKind = "my"   // the rep's open leads, earliest claimed first
)

// LeadListPage is one page of /pool or /my: the total on top ("待认领 45 条，显示最早的 20 条"), the rows,
// and a next-page button while leads remain. pool is the pool key the next page lists (ListPool only).
func LeadListPage(title [2]string, kind ListKind, pool string, p crm.LeadPage) []byte {
	zh, en := cleanLine(title[0]), cleanLine(title[1])
	if zh == "" || en == "" {
		zh, en = "线索", "Leads"
	}
	rows, shown := listRows(p.Views, p.Offset)
	szh, sen := pageSummary(kind, p.Total, p.Offset, shown)
	elems := append([]any{md(szh, sen)}, rows...)
	if next := p.Next(); next > 0 {
		a := Action{Op: OpPage, Args: map[string]string{"list": string(kind), "offset": strconv.Itoa(next)}}
		if kind == ListPool {
			a.Args["pool"] = pool
		}
		last := min(next+PageSize, p.Total)
		elems = append(elems, actionButton("next_page", fmt.Sprintf("下一页（第 %d–%d 条）", next+1, last),
			fmt.Sprintf("Next page (%d–%d)", next+1, last), btnDefault, a))
	}
	n := strconv.Itoa(p.Total)
	return newCard(zh+"（"+n+"）", en+" ("+n+")", newHeader(zh, en, colorBlue), elems...)
}

// pageSummary is the line above the rows: how many leads there are and which of them the page shows.
func pageSummary(kind ListKind, total, offset, shown int) (zh, en string) {
	what, whatEN, order, orderEN := "待认领", "waiting", "最早", "oldest"
	if kind == ListMine {
		what, whatEN, order, orderEN = "进行中", "open", "最早认领", "earliest claimed"
	}
	switch {
	case total == 0:
		return fmt.Sprintf("%s 0 条", what), fmt.Sprintf("0 %s", whatEN)
	case offset == 0 && shown >= total:
		return fmt.Sprintf("%s %d 条", what, total), fmt.Sprintf("%d %s", total, whatEN)
	case offset == 0:
		return fmt.Sprintf("%s %d 条，显示%s的 %d 条", what, total, order, shown),
			fmt.Sprintf("%d %s, showing the %s %d", total, whatEN, orderEN, shown)
	case shown == 0:
		return fmt.Sprintf("%s %d 条，这一页已经没有了", what, total), fmt.Sprintf("%d %s; nothing left on this page", total, whatEN)
	}
	return fmt.Sprintf("%s %d 条，显示第 %d–%d 条", what, total, offset+1, offset+shown),
		fmt.Sprintf("%d %s, showing %d–%d", total, whatEN, offset+1, offset+shown)
}

// listRows renders up to maxRows leads, numbered from offset+1, or a "no leads" line; it returns the
// elements and how many leads they show.
func listRows(views []crm.LeadView, offset int) ([]any, int) {
	elems := make([]any, 0, min(len(views), maxRows)+1)
	shown := 0
	for _, v := range views {
		if v.Lead == nil {
			continue
		}
		if shown == maxRows {
			break
		}
		shown++
		elems = append(elems, listRow(v, offset+shown))
	}
	if shown == 0 {
		elems = append(elems, plainDiv("暂无线索", "No leads"))
	}
	return elems, shown
}

func countLeads(views []crm.LeadView) int {
	n := 0
	for _, v := range views {
		if v.Lead != nil {
			n++
		}
	}
	return n
}

// listRow is one lead: name, company, stage and what matters now, with the button on the right.
func listRow(v crm.LeadView, i int) columnSet {
	l := v.Lead
	name, nameEN := customerName(v)
	szh, sen := stageName(l.Stage)
	zh, en := []string{name}, []string{nameEN}
	if c := cleanLine(customer(v).Company); c != "" && c != name {
		zh, en = append(zh, c), append(en, c)
	}
	zh, en = append(zh, szh), append(en, sen)
	var b button
	switch {
	case l.Open() && !l.Owned():
		if !l.PooledAt.IsZero() {
			wz, we := span(v.Now.Sub(l.PooledAt))
			zh, en = append(zh, "已等待 "+wz), append(en, "waiting "+we)
		}
		b = actionButton("claim_"+strconv.Itoa(i), "认领", "Claim", btnPrimaryFilled, lead(v, OpClaim))
	default:
		if l.Open() && !l.FollowUpAt.IsZero() {
			at := clock(l.FollowUpAt, v.Now, v.Location)
			zh, en = append(zh, "跟进 "+at), append(en, "follow up "+at)
		}
		b = actionButton("open_"+strconv.Itoa(i), "打开", "Open", btnDefault, lead(v, OpOpen))
	}
	return row(plainDiv(strings.Join(zh, " · "), strings.Join(en, " · ")), b)
}

// LeadForm is the /lead form: name, phone, email, company, a note and one input per custom field. Phone or
// email is required, which the handler checks, since a form can only require single fields; so are required
// custom fields, which the intake checks with the rest.
func LeadForm(fields ...crm.FieldDef) []byte {
	elems := []any{
		textInput("lf_name", "name", "客户姓名", "Customer name", 100),
		textInput("lf_phone", "phone", "手机号", "Phone", 32),
		textInput("lf_email", "email", "邮箱", "Email", 254),
		textInput("lf_company", "company", "公司", "Company", 100),
		input{Tag: "input", ElementID: "lf_note", Name: "note", Placeholder: plain("备注", "Note"),
			InputType: "multiline_text", MaxLength: 1000},
	}
	elems = append(elems, fieldInputs(fields, nil, "lf_f", nil)...)
	elems = append(elems, submitButton("lf_submit", "lead_submit", "提交", "Submit", Action{Op: OpLeadForm}))
	f := newForm("form_lead", "lead", elems...)
	return newCard("新建线索", "New lead", newHeader("新建线索", "New lead", colorBlue),
		noteDiv("电话和邮箱至少填写一项。", "Fill in a phone number or an email, or both."), f)
}
