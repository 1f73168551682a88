package crm

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// InsightReader is who asks for insights (/insights or the "which customer?" card) and in which chat.
type InsightReader struct {
	OpenID string
	ChatID string
}

// insightAccess is what one reader may see: everything (an ops channel), or customers that are theirs.
type insightAccess struct {
	reader InsightReader
	all    bool
	pools  map[string]bool // pools the reader is a member of
	manage map[string]bool // pools the reader manages
}

// insightAccessFor refuses readers who are neither in an ops channel, nor a pool member, nor a manager:
// insights name customers, and anyone in the tenant can DM the bot.
func (s *Service) insightAccessFor(ctx context.Context, r InsightReader) (*insightAccess, error) {
	a := &insightAccess{reader: r, pools: map[string]bool{}, manage: map[string]bool{}}
	if r.ChatID != "" && s.IsOpsChannel(r.ChatID) {
		a.all = true
		return a, nil
	}
	for i := range s.Settings.Pools {
		p := &s.Settings.Pools[i]
		if p.IsManager(r.OpenID) {
			a.manage[p.Key] = true
		}
		ok, err := s.isPoolMember(ctx, p, r.OpenID)
		if err != nil {
			return nil, err
		}
		if ok {
			a.pools[p.Key] = true
		}
	}
	if r.OpenID == "" || (len(a.pools) == 0 && len(a.manage) == 0) {
		return nil, Bilingual(EFORBIDDEN, "只有运营群、线索池成员和主管可以查看洞察",
			"Only ops channels, pool members and managers can look up insights")
	}
	return a, nil
}

// theirs reports whether the customer is the reader's to see in full: one of its leads is owned by the
// reader, waits unclaimed in a pool the reader belongs to, or sits in a pool the reader manages.
func (s *Service) theirs(ctx context.Context, a *insightAccess, customerID int64) (bool, error) {
	if a.all {
		return true, nil
	}
	if s.Privacy == nil {
		return false, nil
	}
	leads, err := s.Privacy.LeadsOfCustomer(ctx, customerID)
	if err != nil {
		return false, fmt.Errorf("leads of customer %d: %w", customerID, err)
	}
	for _, l := range leads {
		if l.OwnerID == a.reader.OpenID || a.manage[l.Pool] || (!l.Owned() && l.Open() && a.pools[l.Pool]) {
			return true, nil
		}
	}
	return false, nil
}

// shown returns c as the reader may see it: itself, or a copy with the name, company and contact masked.
func (s *Service) shown(ctx context.Context, a *insightAccess, c *Customer) (*Customer, error) {
	if c == nil {
		return nil, nil
	}
	ok, err := s.theirs(ctx, a, c.ID)
	if err != nil || ok {
		return c, err
	}
	m := *c
	m.Name, m.Company, m.Title = MaskText(c.Name), MaskText(c.Company), MaskText(c.Title)
	if c.Phone != "" {
		m.Phone = MaskPhone(c.Phone)
	}
	if c.Email != "" {
		m.Email = MaskEmail(c.Email)
	}
	return &m, nil
}

// MaskText keeps the first character of a name or company and hides the rest: 钱一 → 钱*, 钱氏贸易 → 钱***.
func MaskText(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(s)
	if n == 1 {
		return "*"
	}
	return string(first) + strings.Repeat("*", min(n-1, 3))
}
