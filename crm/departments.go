package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// OnLeave says where a department pool sends the open leads of a member who leaves the company.
type OnLeave string

// Leaver rules (baton.yaml on_leave).
const (
	// OnLeaveManagers keeps the leads with the leaver and sends the pool's managers one card listing them,
	// each with a one-tap reassign. The default: a manager knows who should carry on a conversation.
	OnLeaveManagers OnLeave = "managers"
	// OnLeavePool puts the leads back in the pool under fresh cards, for anyone to claim.
	OnLeavePool OnLeave = "pool"
)

// FromDepartments reports whether the pool takes its members from Feishu departments.
func (p *Pool) FromDepartments() bool { return len(p.Departments) > 0 }

// OrgChart reads Feishu's org chart.
type OrgChart interface {
	// DepartmentMembers lists the open_ids of the people in the departments and all their sub-departments,
	// every page. Departments the app may not read (outside its contact range) are named in Unreadable
	// instead of failing the whole listing.
	DepartmentMembers(ctx context.Context, departments []string) (OrgListing, error)
}

// OrgListing is what OrgChart.DepartmentMembers found.
type OrgListing struct {
	Members    []string
	Unreadable []string // department ids Lark refused (contact range, scope)
}

// RosterStore keeps the members of department pools as last read from Lark, so routing after a restart
// does not need Lark.
type RosterStore interface {
	// Roster returns the pool's stored members; ENOTFOUND when the pool was never refreshed.
	Roster(ctx context.Context, pool string) ([]string, error)
	// SetRoster replaces the pool's members.
	SetRoster(ctx context.Context, pool string, members []string, at time.Time) error
	// DropMember takes openID out of every roster and returns the pools it was in.
	DropMember(ctx context.Context, openID string) ([]string, error)
}

// RosterQueue asks for the rosters to be refreshed soon (a job), after a contact change.
type RosterQueue interface {
	RefreshRostersSoon(ctx context.Context) error
}

// ContactChange is a Feishu contact event, as far as pools care.
type ContactChange struct {
	OpenID string // the user concerned; empty for department events
	// Left is set when the user was deleted, resigned or frozen (contact.user.deleted_v3, or
	// contact.user.updated_v3 with status.is_resigned or is_frozen).
	Left bool
}

// roster returns the department pool's members, managers left out unless they may claim (as for a pool
// that takes its chat's members). A pool never refreshed has nobody yet.
func (s *Service) roster(ctx context.Context, p *Pool) ([]string, error) {
	if s.Rosters == nil {
		return nil, nil
	}
	ids, err := s.Rosters.Roster(ctx, p.Key)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pool %s roster: %w", p.Key, err)
	}
	out := ids[:0:0]
	for _, id := range ids {
		if !p.IsManager(id) || p.ManagersCanClaim {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Service) rosterHas(ctx context.Context, p *Pool, openID string) (bool, error) {
	if p.IsManager(openID) && p.ManagersCanClaim {
		return true, nil
	}
	ids, err := s.roster(ctx, p)
	if err != nil {
		return false, err
	}
	return contains(ids, openID), nil
}

// RefreshRosters reads every department pool's members from Lark and stores them. A member who moved to a
// department outside the pool drops out of the roster: they stop getting its leads and keep those they
// hold. A pool whose departments Lark would not read in full keeps its stored roster (a contact-range
// change must not empty a pool); baton doctor names those departments.
func (s *Service) RefreshRosters(ctx context.Context) error {
	if s.Org == nil || s.Rosters == nil {
		return nil
	}
	now := s.now()
	var errs []error
	for i := range s.Settings.Pools {
		p := &s.Settings.Pools[i]
		if !p.FromDepartments() {
			continue
		}
		got, err := s.Org.DepartmentMembers(ctx, p.Departments)
		if err != nil {
			errs = append(errs, fmt.Errorf("refresh pool %s: %w", p.Key, err))
			continue
		}
		if len(got.Unreadable) > 0 {
			s.logger().Warn("pool departments outside the app's contact range; roster kept", "pool", p.Key,
				"departments", got.Unreadable)
			continue
		}
		slices.Sort(got.Members)
		if err := s.Rosters.SetRoster(ctx, p.Key, slices.Compact(got.Members), now); err != nil {
			errs = append(errs, fmt.Errorf("store pool %s roster: %w", p.Key, err))
			continue
		}
		s.logger().Info("pool roster refreshed", "pool", p.Key, "members", len(got.Members))
	}
	return errors.Join(errs...)
}

// ContactChanged acts on a Feishu contact event. A leaver is taken out of every roster at once and their
// open leads handled (MemberLeft); any other change (a move, a new hire, a department edit) asks for the
// rosters to be refreshed soon.
func (s *Service) ContactChanged(ctx context.Context, c ContactChange) error {
	if !s.hasDepartmentPools() {
		return nil
	}
	if c.Left && c.OpenID != "" {
		return s.MemberLeft(ctx, c.OpenID)
	}
	if s.RosterQueue != nil {
		return s.RosterQueue.RefreshRostersSoon(ctx)
	}
	return s.RefreshRosters(ctx)
}

func (s *Service) hasDepartmentPools() bool {
	for i := range s.Settings.Pools {
		if s.Settings.Pools[i].FromDepartments() {
			return true
		}
	}
	return false
}

// MemberLeft handles a member who left the company: out of every department pool's rotation and claim
// rights at once, then each of their open leads in a department pool goes where the pool's on_leave says.
// Safe to run twice: a second run finds the leads already handled.
func (s *Service) MemberLeft(ctx context.Context, openID string) error {
	if s.Rosters != nil {
		if _, err := s.Rosters.DropMember(ctx, openID); err != nil {
			return fmt.Errorf("drop leaver from rosters: %w", err)
		}
	}
	var errs []error
	for i := range s.Settings.Pools {
		p := &s.Settings.Pools[i]
		if !p.FromDepartments() {
			continue
		}
		if err := s.leaverLeads(ctx, p, openID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// leaverLeads hands the leaver's open leads in pool p back to the pool, or lists them for its managers.
func (s *Service) leaverLeads(ctx context.Context, p *Pool, openID string) error {
	leads, err := s.Leads.ListLeads(ctx, LeadFilter{Pool: p.Key, OwnerID: openID, OpenOnly: true, Oldest: true})
	if err != nil {
		return fmt.Errorf("list leaver's leads in pool %s: %w", p.Key, err)
	}
	if len(leads) == 0 {
		return nil
	}
	s.logger().Info("member left; handling their leads", "pool", p.Key, "open_id", openID, "leads", len(leads),
		"on_leave", string(p.leaveRule()))
	if p.leaveRule() == OnLeavePool {
		var errs []error
		for _, l := range leads {
			if err := s.returnLeaverLead(ctx, l.ID, p, openID); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	return s.tellManagersLeaver(ctx, p, openID, leads)
}

func (p *Pool) leaveRule() OnLeave {
	if p.OnLeave == "" {
		return OnLeaveManagers
	}
	return p.OnLeave
}

// returnLeaverLead puts one of the leaver's leads back in the pool, if it is still theirs.
func (s *Service) returnLeaverLead(ctx context.Context, leadID int64, p *Pool, openID string) error {
	now := s.now()
	l, err := s.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
		if l.OwnerID != openID || !l.Open() {
			return nil, errHandled
		}
		ReturnToPool(l, now)
		Replan(l, p, s.Settings.BusinessHours)
		return []LeadEvent{NewEvent(EventReleased, "", now, "prev_owner", openID, "reason", "owner_left")}, nil
	})
	if errors.Is(err, errHandled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("return leaver's lead %d: %w", leadID, err)
	}
	s.afterWrite(ctx, l)
	return nil
}

var errHandled = errors.New("already handled")

// LeaverRenderer draws the card that lists a leaver's open leads for a pool's managers. cards.Renderer
// implements it.
type LeaverRenderer interface {
	LeaverCard(p *Pool, leaver string, leads []LeadView) []byte
}

// tellManagersLeaver sends each manager of the pool one card listing the leaver's open leads, each with a
// one-tap reassign (the escalation card's reassign action, carrying the lead's revision). The send key
// names the leaver and the leads, so a repeated event posts nothing twice.
func (s *Service) tellManagersLeaver(ctx context.Context, p *Pool, openID string, leads []*Lead) error {
	card, err := s.leaverCard(ctx, p, openID, leads)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range p.Managers {
		key := fmt.Sprintf("leaver-%s-%s-%s-%d", p.Key, openID, m, leads[0].ID)
		if _, err := s.Messenger.Send(ctx, Recipient{OpenID: m}, Outgoing{Card: card}, key); err != nil {
			errs = append(errs, fmt.Errorf("send leaver card to a manager of pool %s: %w", p.Key, err))
		}
	}
	if len(p.Managers) == 0 {
		s.logger().Warn("pool has no managers to hand a leaver's leads to", "pool", p.Key, "open_id", openID)
	}
	return errors.Join(errs...)
}

func (s *Service) leaverCard(ctx context.Context, p *Pool, openID string, leads []*Lead) ([]byte, error) {
	r, ok := s.Renderer.(LeaverRenderer)
	if !ok {
		return nil, Errorf(EINTERNAL, "the renderer cannot draw the leaver card")
	}
	views := make([]LeadView, 0, len(leads))
	for _, l := range leads {
		v, err := s.ViewOf(ctx, l)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	if cands, err := s.poolMembers(ctx, p); err == nil {
		for i := range views {
			views[i].Candidates = cands
		}
	}
	return r.LeaverCard(p, openID, views), nil
}

// LeaverCard redraws the managers' card about a leaver after one of its leads was handed on: it lists the
// leads the leaver still holds in the pool, or says every lead has a new owner.
func (s *Service) LeaverCard(ctx context.Context, poolKey, leaver string) ([]byte, error) {
	p, err := s.pool(poolKey)
	if err != nil {
		return nil, err
	}
	leads, err := s.Leads.ListLeads(ctx, LeadFilter{Pool: p.Key, OwnerID: leaver, OpenOnly: true, Oldest: true})
	if err != nil {
		return nil, fmt.Errorf("list leaver's leads in pool %s: %w", p.Key, err)
	}
	return s.leaverCard(ctx, p, leaver, leads)
}
