package crm

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"
)

type orgChart func([]string) (OrgListing, error)

func (f orgChart) DepartmentMembers(_ context.Context, d []string) (OrgListing, error) { return f(d) }

type memRosters map[string][]string

func (m memRosters) Roster(_ context.Context, pool string) ([]string, error) {
	ids, ok := m[pool]
	if !ok {
		return nil, Errorf(ENOTFOUND, "pool roster not found")
	}
	return ids, nil
}

func (m memRosters) SetRoster(_ context.Context, pool string, ids []string, _ time.Time) error {
	m[pool] = slices.Clone(ids)
	return nil
}

func (m memRosters) DropMember(_ context.Context, id string) ([]string, error) {
	var pools []string
	for p, ids := range m {
		if i := slices.Index(ids, id); i >= 0 {
			m[p] = slices.Delete(ids, i, i+1)
			pools = append(pools, p)
		}
	}
	return pools, nil
}

// TestRefreshRosters: a department pool's roster is what Lark lists (deduplicated), its managers do not
// rotate, and a listing with a department outside the contact range leaves the stored roster as it was.
func TestRefreshRosters(t *testing.T) {
	t.Parallel()
	pool := Pool{Key: "east", Managers: []string{"ou_mgr"}, Departments: []string{"od-1"}}
	listing := OrgListing{Members: []string{"ou_b", "ou_a", "ou_mgr", "ou_a"}}
	rosters := memRosters{}
	s := &Service{Settings: &Settings{Pools: []Pool{{Key: "static", Members: []string{"ou_x"}}, pool}},
		Org: orgChart(func([]string) (OrgListing, error) { return listing, nil }), Rosters: rosters,
		Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	if ids, err := s.poolMembers(ctx, &s.Settings.Pools[1]); err != nil || len(ids) != 0 {
		t.Fatalf("before any refresh: %v %v, want nobody", ids, err)
	}
	if err := s.RefreshRosters(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := rosters["static"]; ok {
		t.Error("a pool with a members list got a roster")
	}
	ids, err := s.poolMembers(ctx, &s.Settings.Pools[1])
	if err != nil || !slices.Equal(ids, []string{"ou_a", "ou_b"}) {
		t.Fatalf("members %v %v, want ou_a and ou_b (the manager left out)", ids, err)
	}
	if ok, _ := s.isPoolMember(ctx, &s.Settings.Pools[1], "ou_mgr"); ok {
		t.Error("a manager may claim without managers_can_claim")
	}
	listing = OrgListing{Members: []string{"ou_a"}, Unreadable: []string{"od-2"}}
	if err := s.RefreshRosters(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rosters["east"]; !slices.Equal(got, []string{"ou_a", "ou_b", "ou_mgr"}) {
		t.Errorf("roster after a partial listing: %v, want the stored one kept", got)
	}
}
