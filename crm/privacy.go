package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PrivacyStore serves personal-data requests (PIPL / GDPR): find a customer by contact, export, erase.
type PrivacyStore interface {
	CustomerIDByContact(ctx context.Context, phone, email string) (int64, error)
	LeadsOfCustomer(ctx context.Context, customerID int64) ([]*Lead, error)
	ForgetCustomer(ctx context.Context, id int64, at time.Time) error
}

// CustomerExport is everything Baton holds about one customer.
type CustomerExport struct {
	Customer *Customer
	Leads    []LeadExport
}

// LeadExport is one of the customer's leads with its history.
type LeadExport struct {
	Lead     *Lead
	Touches  []Touch
	Timeline []LeadEvent
}

// customerByContact resolves a phone number or an email address to the customer's id.
func (s *Service) customerByContact(ctx context.Context, contact string) (int64, error) {
	if s.Privacy == nil {
		return 0, Errorf(EUNAVAILABLE, "personal-data requests are not configured")
	}
	var phone, email string
	var err error
	if strings.Contains(contact, "@") {
		email, err = NormalizeEmail(contact)
	} else {
		phone, err = NormalizePhone(contact)
	}
	if err != nil {
		return 0, err
	}
	return s.Privacy.CustomerIDByContact(ctx, phone, email)
}

// ExportCustomer gathers the customer's personal data and history for a data-subject access request.
func (s *Service) ExportCustomer(ctx context.Context, contact string) (*CustomerExport, error) {
	id, err := s.customerByContact(ctx, contact)
	if err != nil {
		return nil, err
	}
	c, err := s.Leads.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	leads, err := s.Privacy.LeadsOfCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &CustomerExport{Customer: c}
	for _, l := range leads {
		le := LeadExport{Lead: l}
		if le.Touches, err = s.Leads.Touches(ctx, l.ID); err != nil {
			return nil, err
		}
		if le.Timeline, err = s.Leads.Timeline(ctx, l.ID); err != nil {
			return nil, err
		}
		out.Leads = append(out.Leads, le)
	}
	return out, nil
}

// EraseCustomer erases the customer's personal data and the free text of their leads, keeping the
// anonymous facts digests count. It returns how many leads were affected.
func (s *Service) EraseCustomer(ctx context.Context, contact string) (int, error) {
	id, err := s.customerByContact(ctx, contact)
	if err != nil {
		return 0, err
	}
	leads, err := s.Privacy.LeadsOfCustomer(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := s.Privacy.ForgetCustomer(ctx, id, s.now()); err != nil {
		return 0, fmt.Errorf("erase customer %d: %w", id, err)
	}
	s.logger().Info("customer erased", "customer_id", id, "leads", len(leads))
	// Cards still showing the customer are redrawn without the erased fields. The erasure bumped each lead's
	// revision, so the wake-up must carry the new one.
	for _, old := range leads {
		l, err := s.Leads.Lead(ctx, old.ID)
		if err != nil {
			s.logger().Warn("redraw erased lead", "lead_id", old.ID, "error", err)
			continue
		}
		s.afterWrite(ctx, l)
	}
	return len(leads), nil
}
