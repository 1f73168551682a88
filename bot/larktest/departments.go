package larktest

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
)

// Contact routes for departments.
const (
	// RouteDepartmentChildren lists a department's sub-departments (all descendants with fetch_child=true):
	// https://open.feishu.cn/document/server-docs/contact-v3/department/children
	RouteDepartmentChildren = "GET /open-apis/contact/v3/departments/:department_id/children"
	// RouteFindByDepartment lists the users directly in a department:
	// https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department
	RouteFindByDepartment = "GET /open-apis/contact/v3/users/find_by_department"
)

// CodeNoDeptAuthority is Lark's answer for a department outside the app's contact range ("no dept
// authority error", HTTP 403, in the error table of
// https://open.feishu.cn/document/server-docs/contact-v3/department/get).
const CodeNoDeptAuthority = 40004

// departmentScopes unlock both department listings: the "权限要求" of the two pages above list the same
// five scopes, any one of which is enough.
var departmentScopes = []string{"contact:contact.base:readonly", "contact:department.organize:readonly",
	"contact:contact:access_as_app", "contact:contact:readonly", "contact:contact:readonly_as_app"}

func init() {
	routeScopes[RouteDepartmentChildren] = departmentScopes
	routeScopes[RouteFindByDepartment] = departmentScopes
}

// departmentPageMax is the largest page_size both listings accept (their query parameter tables: 50).
const departmentPageMax = 50

// Department is a node of the org chart. ParentID "" or "0" puts it under the root.
type Department struct {
	ID       string `json:"open_department_id"` // "od-…"; empty: a fresh one
	Name     string `json:"name"`
	ParentID string `json:"parent_department_id"`
	// OutOfContactRange puts the department outside the app's contact range: its listings answer 40004.
	OutOfContactRange bool `json:"out_of_contact_range,omitempty"`
}

// orgState is the org chart: departments and who is in which.
type orgState struct {
	order     []string
	byID      map[string]*Department
	userDepts map[string][]string // open_id → department ids
	left      map[string]bool     // deleted, resigned or frozen users: in no department listing
}

func (s *Server) orgLocked() *orgState {
	if s.st.org == nil {
		s.st.org = &orgState{byID: map[string]*Department{}, userDepts: map[string][]string{}, left: map[string]bool{}}
	}
	return s.st.org
}

// AddDepartment adds a department and returns its id.
func (s *Server) AddDepartment(d Department) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgLocked()
	if d.ID == "" {
		d.ID = "od-" + randHex(16)
	}
	if d.ParentID == "" {
		d.ParentID = "0"
	}
	if o.byID[d.ID] == nil {
		o.order = append(o.order, d.ID)
	}
	o.byID[d.ID] = &d
	s.changedLocked()
	return d.ID
}

// SetDepartmentInRange puts a department inside or outside the app's contact range.
func (s *Server) SetDepartmentInRange(id string, in bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.orgLocked().byID[id]
	if d == nil {
		return false
	}
	d.OutOfContactRange = !in
	return true
}

// PlaceUser puts a user in departments without telling the bot (the org chart as it was before Baton
// started).
func (s *Server) PlaceUser(openID string, departments ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgLocked().userDepts[openID] = slices.Clone(departments)
	s.changedLocked()
}

// MoveUser sets the user's departments, as an admin does in the Feishu admin console, and delivers
// contact.user.updated_v3 with the old department_ids in old_object (Lark puts only the changed fields
// there: https://open.feishu.cn/document/server-docs/contact-v3/user/events/updated). A new hire added to a
// department is the same event with old department_ids [].
func (s *Server) MoveUser(ctx context.Context, openID string, departments ...string) (Delivery, error) {
	s.mu.Lock()
	u := s.st.userByID[openID]
	if u == nil {
		s.mu.Unlock()
		err := fmt.Errorf("move user: unknown user %s", openID)
		return Delivery{Err: err}, err
	}
	o := s.orgLocked()
	old := o.userDepts[openID]
	if old == nil {
		old = []string{}
	}
	o.userDepts[openID] = slices.Clone(departments)
	obj := s.contactUserLocked(u)
	s.changedLocked()
	s.mu.Unlock()
	return s.SendEvent(ctx, "contact.user.updated_v3", map[string]any{
		"object": obj, "old_object": map[string]any{"department_ids": old}})
}

// DeleteUser removes the user from the company (员工离职) and delivers contact.user.deleted_v3
// (https://open.feishu.cn/document/server-docs/contact-v3/user/events/deleted).
func (s *Server) DeleteUser(ctx context.Context, openID string) (Delivery, error) {
	return s.userGone(ctx, openID, "contact.user.deleted_v3", nil)
}

// FreezeUser suspends the user (status.is_frozen) and delivers contact.user.updated_v3 with the status
// change.
func (s *Server) FreezeUser(ctx context.Context, openID string) (Delivery, error) {
	return s.userGone(ctx, openID, "contact.user.updated_v3", map[string]any{"is_frozen": true})
}

func (s *Server) userGone(ctx context.Context, openID, eventType string, status map[string]any) (Delivery, error) {
	s.mu.Lock()
	u := s.st.userByID[openID]
	if u == nil {
		s.mu.Unlock()
		err := fmt.Errorf("%s: unknown user %s", eventType, openID)
		return Delivery{Err: err}, err
	}
	o := s.orgLocked()
	before := s.contactUserLocked(u)
	o.left[openID] = true
	obj := s.contactUserLocked(u)
	event := map[string]any{"object": obj, "old_object": before}
	if status != nil {
		event["old_object"] = map[string]any{"status": before["status"]}
	} else {
		// A deleted user's object keeps the departments they were in.
		obj["department_ids"] = before["department_ids"]
	}
	s.changedLocked()
	s.mu.Unlock()
	return s.SendEvent(ctx, eventType, event)
}

// contactUserLocked renders a user as contact events and listings carry them.
func (s *Server) contactUserLocked(u *User) map[string]any {
	o := s.orgLocked()
	m := userJSON(u, s.cfg.TenantKey, s.hasScopeLocked(ScopeUserName))
	depts := o.userDepts[u.OpenID]
	if depts == nil || o.left[u.OpenID] {
		depts = []string{}
	}
	m["department_ids"] = slices.Clone(depts)
	if o.left[u.OpenID] {
		m["status"] = map[string]any{"is_activated": true, "is_frozen": true, "is_resigned": true, "is_exited": false, "is_unjoin": false}
	}
	return m
}

func (s *Server) departmentRoutes(handle func(route string, authed bool, fn apiFunc)) {
	handle(RouteDepartmentChildren, true, s.handleDepartmentChildren)
	handle(RouteFindByDepartment, true, s.handleFindByDepartment)
}

// departmentPage reads page_size (1..50, default 10) and page_token (an offset) for a listing of n items.
func departmentPage(a *apiReq, n int) (start, end int, rep *reply) {
	q := a.r.URL.Query()
	size := 10
	if v := q.Get("page_size"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > departmentPageMax {
			r := bad(CodeFieldValidation, "page_size must be 1..50")
			return 0, 0, &r
		}
		size = p
	}
	if tok := q.Get("page_token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		p, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || p < 0 || p > n {
			r := bad(CodeFieldValidation, "invalid page_token")
			return 0, 0, &r
		}
		start = p
	}
	return start, min(start+size, n), nil
}

func pageData(items []map[string]any, end, n int) map[string]any {
	data := map[string]any{"items": items, "has_more": end < n}
	if end < n {
		data["page_token"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return data
}

// readableLocked answers 40004 for a department outside the app's contact range, and for an unknown one
// (chosen: Lark does not say whether it tells the two apart for an app).
func (s *Server) readableLocked(id string) *reply {
	d := s.orgLocked().byID[id]
	if id != "0" && (d == nil || d.OutOfContactRange) {
		r := fail(403, CodeNoDeptAuthority, "no dept authority error")
		return &r
	}
	return nil
}

func (s *Server) handleDepartmentChildren(a *apiReq) reply {
	id := a.r.PathValue("department_id")
	if rep := s.readableLocked(id); rep != nil {
		return *rep
	}
	o := s.orgLocked()
	all := a.r.URL.Query().Get("fetch_child") == "true"
	var ids []string
	parents := []string{id}
	for len(parents) > 0 {
		p := parents[0]
		parents = parents[1:]
		for _, did := range o.order {
			if o.byID[did].ParentID == p {
				ids = append(ids, did)
				if all {
					parents = append(parents, did)
				}
			}
		}
	}
	start, end, rep := departmentPage(a, len(ids))
	if rep != nil {
		return *rep
	}
	items := []map[string]any{}
	for _, did := range ids[start:end] {
		d := o.byID[did]
		items = append(items, map[string]any{
			"name": d.Name, "department_id": d.ID, "open_department_id": d.ID, "parent_department_id": d.ParentID,
			"status": map[string]any{"is_deleted": false},
		})
	}
	return ok(pageData(items, end, len(ids)))
}

func (s *Server) handleFindByDepartment(a *apiReq) reply {
	id := a.r.URL.Query().Get("department_id")
	if rep := s.readableLocked(id); rep != nil {
		return *rep
	}
	o := s.orgLocked()
	var users []*User
	for _, oid := range s.st.users {
		if !o.left[oid] && slices.Contains(o.userDepts[oid], id) {
			users = append(users, s.st.userByID[oid])
		}
	}
	start, end, rep := departmentPage(a, len(users))
	if rep != nil {
		return *rep
	}
	items := []map[string]any{}
	for _, u := range users[start:end] {
		items = append(items, s.contactUserLocked(u))
	}
	return ok(pageData(items, end, len(users)))
}
