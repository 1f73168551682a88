package config

import (
	"regexp"

	"github.com/baton-crm/baton/crm"
)

// departmentIDPattern is an open_department_id as Lark issues it: "od-" and hex digits
// (https://open.feishu.cn/document/server-docs/contact-v3/department/field-overview).
var departmentIDPattern = regexp.MustCompile(`^od-[0-9a-zA-Z]{1,64}$`)

// membersFrom reads a pool's members_from and on_leave: members from Feishu departments, instead of a
// members list, and where a leaver's open leads go.
func (p *parser) membersFrom(f map[string]field, pool *crm.Pool) {
	if v, ok := f["members_from"]; ok {
		mf := p.fields(v.val, v.path, "departments")
		if d, ok := mf["departments"]; ok {
			for i, item := range p.items(d.val, d.path) {
				ip := index(d.path, i)
				id, ok := p.str(item, ip)
				switch {
				case !ok:
				case !departmentIDPattern.MatchString(id):
					p.errorf(item, ip, "%q is not an open_department_id (od-…)", item.Value)
				case contains(pool.Departments, id):
					p.errorf(item, ip, "%q is listed twice", item.Value)
				default:
					pool.Departments = append(pool.Departments, id)
				}
			}
		}
		switch {
		case len(pool.Departments) == 0:
			p.errorf(v.val, v.path, "give departments: [od-…]")
		case len(pool.Members) > 0:
			p.errorf(v.val, v.path, "a pool takes members or members_from, not both")
		}
	}
	if v, ok := f["on_leave"]; ok {
		if s, ok := p.str(v.val, v.path); ok {
			switch crm.OnLeave(s) {
			case crm.OnLeaveManagers, crm.OnLeavePool:
				pool.OnLeave = crm.OnLeave(s)
			default:
				p.errorf(v.val, v.path, "%q is not an on_leave rule (managers or pool)", v.val.Value)
			}
			if len(pool.Departments) == 0 {
				p.errorf(v.val, v.path, "on_leave needs members_from")
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
