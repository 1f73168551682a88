package main

import (
	"context"
	"fmt"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
)

// hasDepartmentPools reports whether any pool takes its members from Feishu departments (members_from).
func hasDepartmentPools(s *crm.Settings) bool {
	for i := range s.Pools {
		if s.Pools[i].FromDepartments() {
			return true
		}
	}
	return false
}

// wireDepartments gives the service what department pools need: Lark's org chart, the stored rosters and
// the roster refresh queue. Without such a pool it leaves them nil, and contact events are ignored.
func (a *app) wireDepartments() {
	if !hasDepartmentPools(&a.cfg.Settings) {
		return
	}
	a.svc.Org, a.svc.Rosters = a.lark, a.db
	if s, ok := a.svc.Scheduler.(*jobs.Scheduler); ok {
		a.svc.RosterQueue = s
	}
}

// rosterWorker lets the worker run roster refreshes, when department pools exist.
func (a *app) rosterWorker(wc *jobs.WorkerConfig) {
	if hasDepartmentPools(&a.cfg.Settings) {
		wc.Rosters = a.svc
	}
}

// rosterSchedule adds the hourly roster refresh (and one now), when department pools exist.
func (a *app) rosterSchedule(p *jobs.Periodic) error {
	if !hasDepartmentPools(&a.cfg.Settings) {
		return nil
	}
	return p.AddRosterRefresh()
}

// checkDepartments reads every department pool's members as the roster refresh does. A department outside
// the app's contact range would leave its people out of the pool (Lark answers 40004 for it), so each is
// named with the console step that fixes it; the refresh keeps the stored roster meanwhile.
func checkDepartments(ctx context.Context, cfg *config.Config, c *bot.Client) []finding {
	var out []finding
	for _, p := range cfg.Settings.Pools {
		if !p.FromDepartments() {
			continue
		}
		what := "pool departments / 线索池部门 " + p.Key
		got, err := c.DepartmentMembers(ctx, p.Departments)
		if err != nil {
			out = append(out, scopeOrCallFinding(what, err))
			continue
		}
		for _, d := range got.Unreadable {
			out = append(out, finding{what: "department / 部门 " + d + " (pool " + p.Key + ")",
				detail: "outside the app's contact range (code 40004): its members cannot join the pool",
				fixZH:  "在「权限管理」→「通讯录权限范围」加入该部门" + fixPublish,
				fixEN:  "add the department to the contact range under Permissions & Scopes" + fixPublishEN})
		}
		if len(got.Unreadable) == 0 {
			f := finding{ok: true, what: what, detail: fmt.Sprintf("%d members", len(got.Members))}
			if len(got.Members) == 0 {
				f.ok, f.warn, f.detail = false, true, "no members: the departments are empty"
			}
			out = append(out, f)
		}
		out = append(out, finding{warn: true, what: "contact events / 通讯录事件 (pool " + p.Key + ")",
			detail: "subscriptions cannot be checked through the API",
			fixZH:  "在「事件与回调」订阅 contact.user.deleted_v3、contact.user.updated_v3、contact.user.created_v3 和 contact.department.*_v3",
			fixEN:  "subscribe contact.user.deleted_v3, contact.user.updated_v3, contact.user.created_v3 and contact.department.*_v3 under Events & Callbacks"})
	}
	return out
}
