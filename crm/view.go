package crm

import "context"

// View gathers what a card about the lead shows.
func (s *Service) View(ctx context.Context, leadID int64) (LeadView, error) {
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return LeadView{}, err
	}
	return s.ViewOf(ctx, l)
}

// ViewOf gathers what the cards of lead l show (l as read by the caller).
func (s *Service) ViewOf(ctx context.Context, l *Lead) (LeadView, error) {
	v := LeadView{Lead: l, Now: s.now(), Location: s.location(), Fields: s.Settings.Fields}
	var err error
	if v.Customer, err = s.Leads.Customer(ctx, l.CustomerID); err != nil {
		return LeadView{}, err
	}
	if p, ok := s.Settings.Pool(l.Pool); ok {
		v.Pool = p
	} else {
		v.Pool = &Pool{Key: l.Pool, Name: l.Pool}
	}
	if l.Owned() {
		v.Owner = s.member(ctx, l.OwnerID)
	}
	if id := l.EnteredBy(); id != "" {
		v.EnteredBy = s.member(ctx, id)
	}
	if v.Touches, err = s.Leads.Touches(ctx, l.ID); err != nil {
		return LeadView{}, err
	}
	if v.History, err = s.history(ctx, l.ID, v.Touches); err != nil {
		return LeadView{}, err
	}
	if s.Insights != nil {
		// The customer's own insights and those about the lead's campaign and source, newest first.
		if v.Insights, err = s.Insights.InsightsFor(ctx, l.CustomerID, l.Campaign, l.Source, viewInsights); err != nil {
			return LeadView{}, err
		}
	}
	return v, nil
}

// member returns what Baton knows about a person, filling the name from Lark when it is not cached yet.
// A lookup failure is not fatal: cards then show the mention without a cached name.
func (s *Service) member(ctx context.Context, openID string) *Member {
	m, err := s.Members.Member(ctx, openID)
	if err == nil && m.Name != "" {
		return m
	}
	if m == nil {
		m = &Member{OpenID: openID}
	}
	if s.Directory != nil {
		if name, err := s.Directory.UserName(ctx, openID); err == nil && name != "" {
			m.Name = name
			if err := s.Members.SaveMember(ctx, *m); err != nil {
				s.logger().Warn("cache member name", "open_id", openID, "error", err)
			}
		}
	}
	return m
}

// ListLeads returns views of the leads matching f.
func (s *Service) ListLeads(ctx context.Context, f LeadFilter) ([]LeadView, error) {
	leads, err := s.Leads.ListLeads(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]LeadView, 0, len(leads))
	for _, l := range leads {
		v, err := s.ViewOf(ctx, l)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SetAway marks a member away from (or back to) assign-mode rotations.
func (s *Service) SetAway(ctx context.Context, openID string, away bool) error {
	m := s.member(ctx, openID)
	m.Away = away
	return s.Members.SaveMember(ctx, *m)
}

// LeadDetail is a lead with its full history, for the read API.
type LeadDetail struct {
	View     LeadView
	Timeline []LeadEvent
}

// Detail returns the lead, its customer, touches and timeline.
func (s *Service) Detail(ctx context.Context, leadID int64) (*LeadDetail, error) {
	v, err := s.View(ctx, leadID)
	if err != nil {
		return nil, err
	}
	tl, err := s.Leads.Timeline(ctx, leadID)
	if err != nil {
		return nil, err
	}
	return &LeadDetail{View: v, Timeline: tl}, nil
}
