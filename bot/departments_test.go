package bot

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestDepartmentMembersWalksSubDepartmentsAndPages lists a department whose people sit in it and in a
// grandchild department, over more than one page of find_by_department (page_size is at most 50).
func TestDepartmentMembersWalksSubDepartmentsAndPages(t *testing.T) {
	s := newEmulator(t)
	c := newTestClient(t, s, nil)
	top := s.AddDepartment(larktest.Department{Name: "Sales"})
	mid := s.AddDepartment(larktest.Department{Name: "East", ParentID: top})
	leaf := s.AddDepartment(larktest.Department{Name: "Shanghai", ParentID: mid})
	other := s.AddDepartment(larktest.Department{Name: "Support"})
	var want []string
	for i := range 60 {
		id := fmt.Sprintf("ou_top%02d", i)
		s.AddUser(larktest.User{OpenID: id, Name: id})
		s.PlaceUser(id, top)
		want = append(want, id)
	}
	s.AddUser(larktest.User{OpenID: "ou_leaf", Name: "leaf"})
	s.PlaceUser("ou_leaf", leaf)
	want = append(want, "ou_leaf")
	s.AddUser(larktest.User{OpenID: "ou_other", Name: "other"})
	s.PlaceUser("ou_other", other)

	got, err := c.DepartmentMembers(context.Background(), []string{top})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(got.Members, want) || len(got.Unreadable) > 0 {
		t.Fatalf("members %v unreadable %v, want %d members", got.Members, got.Unreadable, len(want))
	}
	pages := 0
	for _, call := range s.Calls() {
		if call.Route == larktest.RouteFindByDepartment && call.Code == 0 {
			pages++
		}
	}
	if pages < 4 { // top: 2 pages; mid and leaf: 1 each
		t.Errorf("find_by_department answered %d times, want at least 4 (paged)", pages)
	}
}

// TestDepartmentMembersNamesDepartmentsOutsideTheRange: a department outside the contact range is named,
// never silently left out.
func TestDepartmentMembersNamesDepartmentsOutsideTheRange(t *testing.T) {
	s := newEmulator(t)
	c := newTestClient(t, s, nil)
	top := s.AddDepartment(larktest.Department{Name: "Sales"})
	hidden := s.AddDepartment(larktest.Department{Name: "Hidden", ParentID: top, OutOfContactRange: true})
	s.AddUser(larktest.User{OpenID: "ou_a", Name: "a"})
	s.PlaceUser("ou_a", top)
	got, err := c.DepartmentMembers(context.Background(), []string{top})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Unreadable, []string{hidden}) || !slices.Equal(got.Members, []string{"ou_a"}) {
		t.Fatalf("got %+v, want ou_a and %s unreadable", got, hidden)
	}
	s.RevokeScope("contact:contact.base:readonly")
	if _, err := c.DepartmentMembers(context.Background(), []string{top}); Code(err) != CodeNoScope {
		t.Fatalf("without a contact scope: %v, want %d", err, CodeNoScope)
	}
}
