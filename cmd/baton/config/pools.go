package config

import (
	"strconv"
	"time"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

var poolKeys = []string{"key", "name", "chat_id", "mode", "managers", "members", "weights", "limits",
	"cooldown", "protection", "sla", "managers_can_claim", "card_refresh_after", "self_sourced",
	"members_from", "on_leave", "board_after", "board_gather"}

// Actions allowed on each SLA ladder: nobody owns an unclaimed lead to remind, and a claimed lead is not
// handed back to the pool by its first-contact ladder (the protection period does that).
var (
	unclaimedActions    = []crm.SLAAction{crm.ActionRemindPool, crm.ActionEscalate, crm.ActionUrgent, crm.ActionAutoAssign}
	firstContactActions = []crm.SLAAction{crm.ActionRemindOwner, crm.ActionEscalate, crm.ActionUrgent}
)

func (p *parser) pools(n *yaml.Node, path string, graded bool) []crm.Pool {
	var out []crm.Pool
	seen := map[string]bool{}
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, poolKeys...)
		if f == nil {
			if isNull(item) {
				p.errorf(item, ip, "empty pool; give at least key, name and chat_id")
			}
			continue
		}
		pool := defaultPool()
		pool.Key = p.key(f, item, ip, seen)
		pool.Name, _ = p.required(f, "name", item, ip)
		id, at := p.required(f, "chat_id", item, ip)
		if id != "" && !chatIDPattern.MatchString(id) {
			p.errorf(at, join(ip, "chat_id"), "%q is not a chat id (oc_…)", at.Value)
		}
		pool.ChatID = id
		if v, ok := f["mode"]; ok {
			if m, ok := p.str(v.val, v.path); ok {
				switch crm.PoolMode(m) {
				case crm.ModeClaim, crm.ModeAssign:
					pool.Mode = crm.PoolMode(m)
				default:
					p.errorf(v.val, v.path, "%q is not a mode (claim or assign)", v.val.Value)
				}
			}
		}
		if v, ok := f["self_sourced"]; ok {
			if m, ok := p.str(v.val, v.path); ok {
				switch crm.SelfSourced(m) {
				case crm.SelfSourcedOwner, crm.SelfSourcedPool:
					pool.SelfSourced = crm.SelfSourced(m)
				default:
					p.errorf(v.val, v.path, "%q is not a self_sourced rule (owner or pool)", v.val.Value)
				}
			}
		}
		if v, ok := f["managers"]; ok {
			pool.Managers = p.openIDs(v.val, v.path)
		}
		if v, ok := f["members"]; ok {
			pool.Members = p.openIDs(v.val, v.path)
		}
		p.membersFrom(f, &pool) // departments.go
		if v, ok := f["managers_can_claim"]; ok {
			if s, ok := p.str(v.val, v.path); ok {
				switch s {
				case "true", "false":
					pool.ManagersCanClaim = s == "true"
				default:
					p.errorf(v.val, v.path, "%q is not true or false", v.val.Value)
				}
			}
		}
		if v, ok := f["weights"]; ok {
			pool.Weights = p.weights(v.val, v.path, pool.Members)
		}
		if v, ok := f["limits"]; ok {
			lf := p.fields(v.val, v.path, "open", "daily_claims")
			if w, ok := lf["open"]; ok {
				pool.Limits.Open, _ = p.count(w.val, w.path)
			}
			if w, ok := lf["daily_claims"]; ok {
				pool.Limits.DailyClaims, _ = p.count(w.val, w.path)
			}
		}
		if v, ok := f["cooldown"]; ok {
			if d, ok := p.duration(v.val, v.path); ok {
				pool.Cooldown = d
			}
		}
		if v, ok := f["card_refresh_after"]; ok {
			if d, ok := p.duration(v.val, v.path); ok {
				if d <= 0 || d >= crm.CardUpdateWindow {
					p.errorf(v.val, v.path, "%s must be positive and shorter than Lark's 14-day card update window", crm.FormatDuration(d))
				}
				pool.CardRefreshAfter = d
			}
		}
		if v, ok := f["board_after"]; ok {
			if n, ok := p.count(v.val, v.path); ok {
				if n < 1 {
					p.errorf(v.val, v.path, "board_after must be at least 1")
				}
				pool.BoardAfter = n
			}
		}
		if v, ok := f["board_gather"]; ok {
			if d, ok := p.duration(v.val, v.path); ok {
				if d <= 0 || d > 10*time.Second {
					p.errorf(v.val, v.path, "board_gather %s must be positive and at most 10s (every new lead's card waits this long)", crm.FormatDuration(d))
				}
				pool.BoardGather = d
			}
		}
		if v, ok := f["protection"]; ok {
			p.protection(v.val, v.path, &pool.Protection)
		}
		if v, ok := f["sla"]; ok {
			sf := p.fields(v.val, v.path, "unclaimed", "first_contact", "by_grade")
			pool.SLA = p.sla(sf)
			if w, ok := sf["by_grade"]; ok {
				pool.SLA.ByGrade = p.slaByGrade(w.val, w.path, graded)
			}
		}
		out = append(out, pool)
	}
	return out
}

func (p *parser) openIDs(n *yaml.Node, path string) []string {
	var out []string
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		id, ok := p.str(item, ip)
		switch {
		case !ok:
		case !openIDPattern.MatchString(id):
			p.errorf(item, ip, "%q is not an open_id (ou_…)", item.Value)
		case contains(out, id):
			p.errorf(item, ip, "%q is listed twice", item.Value)
		default:
			out = append(out, id)
		}
	}
	return out
}

// weights maps open_id → share. With an explicit member list a weight for someone not on it is a typo;
// with an empty list (the chat's members) only the id format can be checked here.
func (p *parser) weights(n *yaml.Node, path string, members []string) map[string]int {
	var out map[string]int
	for _, e := range p.pairs(n, path) {
		id := e.key.Value
		if !openIDPattern.MatchString(id) {
			p.errorf(e.key, e.path, "%q is not an open_id (ou_…)", id)
			continue
		}
		if len(members) > 0 && !contains(members, id) {
			p.errorf(e.key, e.path, "%q is not in members", id)
			continue
		}
		s, ok := p.str(e.val, e.path)
		if !ok {
			continue
		}
		w, err := strconv.Atoi(s)
		if err != nil || w <= 0 {
			p.errorf(e.val, e.path, "%q is not a positive whole number", e.val.Value)
			continue
		}
		if out == nil {
			out = make(map[string]int)
		}
		out[id] = w
	}
	return out
}

// protection overrides the defaults with the durations written, then checks them together. The cross
// checks run only when every written value parsed, so one typo yields one problem.
func (p *parser) protection(n *yaml.Node, path string, pr *crm.Protection) {
	f := p.fields(n, path, "default", "extend_on_activity", "max", "warn_before")
	parsed := true
	set := func(key string, dst *time.Duration) {
		if v, ok := f[key]; ok {
			if d, ok := p.duration(v.val, v.path); ok {
				*dst = d
			} else {
				parsed = false
			}
		}
	}
	set("default", &pr.Default)
	set("extend_on_activity", &pr.ExtendOnActivity)
	set("max", &pr.Max)
	set("warn_before", &pr.WarnBefore)
	if !parsed {
		return
	}
	// Blame the key that was written: a max that became too short because default grew points at default.
	blame := func(key, other string) (*yaml.Node, string) {
		if v, ok := f[key]; ok {
			return v.val, v.path
		}
		if v, ok := f[other]; ok {
			return v.val, v.path
		}
		return n, join(path, key)
	}
	if pr.Default <= 0 {
		at, ap := blame("default", "default")
		p.errorf(at, ap, "must be longer than 0")
		return
	}
	if pr.Max < pr.Default {
		at, ap := blame("max", "default")
		p.errorf(at, ap, "%s must not be shorter than default %s", formatDuration(pr.Max), formatDuration(pr.Default))
	}
	if pr.WarnBefore >= pr.Default {
		at, ap := blame("warn_before", "default")
		p.errorf(at, ap, "%s must be shorter than default %s", formatDuration(pr.WarnBefore), formatDuration(pr.Default))
	}
}

func (p *parser) ladder(n *yaml.Node, path string, allowed []crm.SLAAction) []crm.SLAStep {
	var out []crm.SLAStep
	var prev time.Duration
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, "after", "do")
		if f == nil {
			if isNull(item) {
				p.errorf(item, ip, "empty step; give after and do")
			}
			continue
		}
		var step crm.SLAStep
		if v, ok := f["after"]; !ok {
			p.errorf(item, join(ip, "after"), "required")
		} else if d, ok := p.duration(v.val, v.path); ok {
			switch {
			case d <= 0:
				p.errorf(v.val, v.path, "must be longer than 0")
			case d <= prev:
				p.errorf(v.val, v.path, "%q must be later than the step before (%s)", v.val.Value, formatDuration(prev))
			}
			step.After = d
			prev = max(prev, d)
		}
		if v, ok := f["do"]; !ok {
			p.errorf(item, join(ip, "do"), "required")
		} else if a, ok := p.str(v.val, v.path); ok {
			if !containsAction(allowed, crm.SLAAction(a)) {
				p.errorf(v.val, v.path, "%q is not allowed here (%s)", v.val.Value, actionList(allowed))
			}
			step.Action = crm.SLAAction(a)
		}
		out = append(out, step)
	}
	return out
}

func containsAction(list []crm.SLAAction, a crm.SLAAction) bool {
	for _, v := range list {
		if v == a {
			return true
		}
	}
	return false
}

func actionList(list []crm.SLAAction) string {
	s := ""
	for i, a := range list {
		if i > 0 {
			s += ", "
		}
		s += string(a)
	}
	return s
}
