package crm

import "context"

// LeadPage is one page of a lead listing (/pool, /my) and the total it was cut from, so a card can say
// "45 waiting, showing the oldest 20" and offer the next page.
type LeadPage struct {
	Views  []LeadView
	Total  int // leads matching the filter, across all pages
	Offset int // leads before this page
}

// Next returns the offset of the page after this one, or 0 when this is the last.
func (p LeadPage) Next() int {
	if n := p.Offset + len(p.Views); n < p.Total && len(p.Views) > 0 {
		return n
	}
	return 0
}

// ListPage returns the page of leads f selects (f.Offset, f.Limit) with the total count.
func (s *Service) ListPage(ctx context.Context, f LeadFilter) (LeadPage, error) {
	total, err := s.Leads.CountLeads(ctx, f)
	if err != nil {
		return LeadPage{}, err
	}
	p := LeadPage{Total: total, Offset: f.Offset}
	if f.Offset >= total {
		return p, nil
	}
	if p.Views, err = s.ListLeads(ctx, f); err != nil {
		return LeadPage{}, err
	}
	return p, nil
}
