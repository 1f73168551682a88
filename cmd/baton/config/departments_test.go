package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

func parsePools(t *testing.T, pools string) (crm.Settings, error) {
	t.Helper()
	return ParseSettings([]byte("pools:\n"+pools+"routing: [{pool: a}]\n"), "baton.yaml", func(string) string { return "" })
}

// TestMembersFromDepartments reads members_from and on_leave; on_leave is managers unless it says pool.
func TestMembersFromDepartments(t *testing.T) {
	s, err := parsePools(t, "  - {key: a, name: A, chat_id: oc_a, members_from: {departments: [od-1a2b, od-3c]}}\n"+
		"  - {key: b, name: B, chat_id: oc_b, members_from: {departments: [od-9]}, on_leave: pool}\n")
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Pools[0], s.Pools[1]
	if !slices.Equal(a.Departments, []string{"od-1a2b", "od-3c"}) || !a.FromDepartments() {
		t.Errorf("departments %v", a.Departments)
	}
	if a.OnLeave != "" || b.OnLeave != crm.OnLeavePool {
		t.Errorf("on_leave %q and %q, want unset (managers) and pool", a.OnLeave, b.OnLeave)
	}
}

func TestMembersFromErrors(t *testing.T) {
	for _, tc := range []struct{ pool, want string }{
		{"{key: a, name: A, chat_id: oc_a, members_from: {departments: [ou_x]}}", "is not an open_department_id"},
		{"{key: a, name: A, chat_id: oc_a, members_from: {departments: []}}", "give departments"},
		{"{key: a, name: A, chat_id: oc_a, members_from: {departments: [od-1, od-1]}}", "listed twice"},
		{"{key: a, name: A, chat_id: oc_a, members: [ou_1], members_from: {departments: [od-1]}}", "not both"},
		{"{key: a, name: A, chat_id: oc_a, members_from: {departments: [od-1]}, on_leave: nobody}", "not an on_leave rule"},
		{"{key: a, name: A, chat_id: oc_a, on_leave: pool}", "on_leave needs members_from"},
		{"{key: a, name: A, chat_id: oc_a, members_from: {dept: [od-1]}}", "dept"},
	} {
		_, err := parsePools(t, "  - "+tc.pool+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.pool, err, tc.want)
		}
	}
}
