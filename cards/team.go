package cards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// Caps on the manager cards: a /team row takes five components and Lark allows 200 per card; a batch
// form offers at most crm.MaxBatch leads, which one callback can handle inside Lark's 3 seconds.
const (
	maxTeamReps  = 30
	maxBatchRows = 20
)

// TeamCard answers /team: per managed pool, one row per rep with open leads, overdue follow-ups, leads
// waiting for a first contact, and this week's claims and wins, and a button that lists the rep's leads.
func TeamCard(t *crm.Team) []byte {
	var elems []any
	week := t.Week.String()
	for _, tp := range t.Pools {
		name := cleanLine(tp.Pool.Name)
		if name == "" {
			name = cleanLine(tp.Pool.Key)
		}
		elems = append(elems, plainDiv(name, name))
		if len(tp.Reps) == 0 {
			elems = append(elems, noteDiv("暂无成员", "No members yet"))
		}
		for i, r := range tp.Reps {
			if i == maxTeamReps {
				more := len(tp.Reps) - i
				elems = append(elems, noteDiv(fmt.Sprintf("还有 %d 人未显示", more), fmt.Sprintf("%d more not shown", more)))
				break
			}
			elems = append(elems, teamRow(tp.Pool.Key, r, i))
		}
		elems = append(elems, hr{Tag: "hr"})
	}
	if len(t.Pools) == 0 {
		elems = append(elems, plainDiv("你没有管理的线索池", "You manage no pool"))
	} else {
		elems = elems[:len(elems)-1] // no divider after the last pool
	}
	elems = append(elems, noteDiv("本周（"+week+"）从周一 00:00 起计，时区 "+zone(t), "This week ("+week+") counts from Monday 00:00, time zone "+zone(t)))
	return newCard("团队概况", "Team overview", newHeader("团队概况", "Team overview", colorIndigo), elems...)
}

func zone(t *crm.Team) string {
	if t.Location == nil {
		return "UTC"
	}
	return t.Location.String()
}

// teamRow is one rep: who (a mention; the figures are Baton's own numbers, safe in markdown) and the
// drill-down button.
func teamRow(pool string, r crm.RepLoad, i int) columnSet {
	who := mention(r.OpenID)
	whoEN := who
	if who == "" {
		who, whoEN = "?", "?"
	}
	zh := fmt.Sprintf("%s\n在跟 %d · 逾期跟进 %d · 待首次联系 %d · 本周认领 %d · 本周赢单 %d",
		who, r.Open, r.Overdue, r.AwaitingContact, r.Claims, r.Wins)
	en := fmt.Sprintf("%s\nOpen %d · Overdue follow-ups %d · Awaiting first contact %d · Claimed this week %d · Won this week %d",
		whoEN, r.Open, r.Overdue, r.AwaitingContact, r.Claims, r.Wins)
	b := actionButton("team_rep_"+strconv.Itoa(i), "查看线索", "Leads", btnDefault,
		Action{Op: OpTeamRep, Args: map[string]string{"pool": pool, "rep": r.OpenID}})
	return row(md(zh, en), b)
}

// BatchTarget is what a batch form offers: the pool the leads are in, who they may go to and the other
// pools they may move to.
type BatchTarget struct {
	Pool    *crm.Pool
	Rep     string     // the rep whose leads these are (the /team drill-down); "" for the pool's waiting leads
	Members []string   // open_ids for the person picker; empty lets Lark offer the chat's members
	Pools   []crm.Pool // every configured pool; the form offers the others
}

// RepLeads is the /team drill-down: the rep's open leads in the pool, with a batch form to hand some of
// them to someone else or move them to another pool.
func RepLeads(rep crm.RepLoad, views []crm.LeadView, bt BatchTarget) []byte {
	name := cleanLine(rep.Name)
	if name == "" {
		name = rep.OpenID
	}
	title, titleEN := name+" 的线索", name+"'s leads"
	return batchCard(title, titleEN, views, bt, "没有在跟的线索", "No open leads")
}

// PoolBatch is the batch form for the leads waiting in a pool (the /pool entry for managers).
func PoolBatch(views []crm.LeadView, bt BatchTarget) []byte {
	p := poolName(crm.LeadView{Pool: bt.Pool})
	return batchCard(p+" · 批量分配", p+" · batch assign", views, bt, "没有待认领的线索", "No leads waiting")
}

func batchCard(zh, en string, views []crm.LeadView, bt BatchTarget, emptyZH, emptyEN string) []byte {
	var elems []any
	n := 0
	for _, v := range views {
		if v.Lead == nil {
			continue
		}
		if n == maxBatchRows {
			break
		}
		n++
		lzh, lEN := leadLine(v)
		elems = append(elems, plainDiv(lzh, lEN))
	}
	if n == 0 {
		elems = append(elems, plainDiv(emptyZH, emptyEN))
		return newCard(zh, en, newHeader(zh, en, colorBlue), elems...)
	}
	if more := countLeads(views) - n; more > 0 {
		elems = append(elems, noteDiv(fmt.Sprintf("还有 %d 条未显示", more), fmt.Sprintf("%d more not shown", more)))
	}
	elems = append(elems, hr{Tag: "hr"}, batchForm(views, bt))
	return newCard(zh, en, newHeader(zh, en, colorBlue), elems...)
}

// leadLine is one lead of a manager's list: id, customer, stage, and the follow-up time when set.
func leadLine(v crm.LeadView) (string, string) {
	l := v.Lead
	name, nameEN := customerName(v)
	szh, sen := stageName(l.Stage)
	id := "#" + strconv.FormatInt(l.ID, 10)
	zh, en := []string{id, name, szh}, []string{id, nameEN, sen}
	if c := cleanLine(customer(v).Company); c != "" && c != name {
		zh, en = append(zh, c), append(en, c)
	}
	switch {
	case !l.Owned() && !l.PooledAt.IsZero():
		wz, we := span(v.Now.Sub(l.PooledAt))
		zh, en = append(zh, "已等待 "+wz), append(en, "waiting "+we)
	case l.Owned() && l.FirstContactAt.IsZero():
		zh, en = append(zh, "待首次联系"), append(en, "awaiting first contact")
	}
	if !l.FollowUpAt.IsZero() {
		at := clock(l.FollowUpAt, v.Now, v.Location)
		if !l.FollowUpAt.After(v.Now) {
			zh, en = append(zh, "跟进已逾期 "+at), append(en, "follow-up overdue "+at)
		} else {
			zh, en = append(zh, "跟进 "+at), append(en, "follow up "+at)
		}
	}
	return strings.Join(zh, " · "), strings.Join(en, " · ")
}

// batchForm picks leads (multi_select_static, JSON 2.0 — https://open.feishu.cn/document/feishu-cards/
// card-json-v2-components/interactive-components/multi-select-dropdown-menu: only inside a form, submitted
// with the form as a list of the options' values) and either a person or a pool, with one submit button
// for each. The form's fields reach Baton as form_value: {"leads": ["12", "15"], "to": "ou_…", "to_pool": "west"}.
func batchForm(views []crm.LeadView, bt BatchTarget) form {
	var opts []option
	seen := map[int64]bool{}
	for _, v := range views {
		if v.Lead == nil || len(opts) == crm.MaxBatch || seen[v.Lead.ID] {
			continue // option values must be unique
		}
		seen[v.Lead.ID] = true
		name, _ := customerName(v)
		label := clip("#"+strconv.FormatInt(v.Lead.ID, 10)+" "+name, maxListed)
		opts = append(opts, option{Text: plain(same(label)), Value: strconv.FormatInt(v.Lead.ID, 10)})
	}
	pool := ""
	if bt.Pool != nil {
		pool = bt.Pool.Key
	}
	args := func(do string) map[string]string {
		a := map[string]string{"pool": pool, "do": do}
		if bt.Rep != "" {
			a["rep"] = bt.Rep
		}
		return a
	}
	elems := []any{
		multiSelect{Tag: "multi_select_static", ElementID: "bf_leads", Name: "leads", Required: true,
			Placeholder: plain("选择线索（可多选）", "Pick leads (several)"), Options: opts},
	}
	var people []personOption
	for _, id := range bt.Members {
		if validOpenID(id) {
			people = append(people, personOption{Value: id})
		}
	}
	elems = append(elems,
		selectPerson{Tag: "select_person", ElementID: "bf_to", Name: "to", Placeholder: plain("分配给…", "Assign to…"), Options: people},
		submitButton("bf_assign", "batch_assign", "分配给所选同事", "Assign to this person",
			Action{Op: OpBatch, Args: args("assign")}))
	var pools []option
	for _, p := range bt.Pools {
		if p.Key == pool {
			continue
		}
		n := cleanLine(p.Name)
		if n == "" {
			n = p.Key
		}
		pools = append(pools, option{Text: plain(same(n)), Value: p.Key})
	}
	if len(pools) > 0 {
		elems = append(elems,
			selectStatic{Tag: "select_static", ElementID: "bf_pool", Name: "to_pool", Placeholder: plain("转到线索池…", "Move to pool…"), Options: pools},
			submitButton("bf_move", "batch_move", "转到所选线索池", "Move to this pool",
				Action{Op: OpBatch, Args: args("move")}))
	}
	return newForm("form_batch", "batch", elems...)
}

type multiSelect struct {
	Tag         string   `json:"tag"`
	ElementID   string   `json:"element_id"`
	Name        string   `json:"name"`
	Placeholder text     `json:"placeholder"`
	Options     []option `json:"options"`
	Required    bool     `json:"required,omitempty"`
}

// BatchEntry adds a manager's "batch assign" button to a /pool list card. It works on the encoded card, so
// the list card itself knows nothing of managers.
func BatchEntry(listCard []byte, pool string) []byte {
	var c struct {
		Schema string          `json:"schema"`
		Config json.RawMessage `json:"config"`
		Header json.RawMessage `json:"header,omitempty"`
		Body   struct {
			Elements []json.RawMessage `json:"elements"`
		} `json:"body"`
	}
	if err := json.Unmarshal(listCard, &c); err != nil {
		return listCard
	}
	b, _ := marshal(actionButton("batch_entry", "批量分配", "Batch assign", btnPrimary,
		Action{Op: OpBatchForm, Args: map[string]string{"pool": pool}}))
	c.Body.Elements = append(c.Body.Elements, b)
	out, err := marshal(c)
	if err != nil {
		return listCard
	}
	return out
}

// marshal encodes without HTML escaping, as encode does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
