package crm

import (
	"context"
	"fmt"
)

// isPoolMember reports whether openID may take leads from the pool: a listed member, or — when the pool
// lists nobody — a member of the pool's chat. Managers are members the way poolMembers counts them: only
// when listed, or when the pool sets managers_can_claim.
func (s *Service) isPoolMember(ctx context.Context, p *Pool, openID string) (bool, error) {
	if p.FromDepartments() {
		return s.rosterHas(ctx, p, openID)
	}
	if contains(p.Members, openID) {
		return true, nil
	}
	if p.IsManager(openID) {
		return p.ManagersCanClaim, nil
	}
	if len(p.Members) > 0 || s.Directory == nil || p.ChatID == "" {
		return false, nil
	}
	ids, err := s.Directory.ChatMembers(ctx, p.ChatID)
	if err != nil {
		return false, fmt.Errorf("pool %s members: %w", p.Key, err)
	}
	return contains(ids, openID), nil
}

// poolMembers lists who an assign pool rotates among.
func (s *Service) poolMembers(ctx context.Context, p *Pool) ([]string, error) {
	if p.FromDepartments() {
		return s.roster(ctx, p)
	}
	if len(p.Members) > 0 || s.Directory == nil || p.ChatID == "" {
		return p.Members, nil
	}
	ids, err := s.Directory.ChatMembers(ctx, p.ChatID)
	if err != nil {
		return nil, fmt.Errorf("pool %s members: %w", p.Key, err)
	}
	var out []string
	for _, id := range ids {
		if !p.IsManager(id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// canWork reports whether actor may update the lead: its owner or a manager of its pool.
func canWork(p *Pool, l *Lead, actor string) error {
	if actor != "" && (l.OwnerID == actor || p.IsManager(actor)) {
		return nil
	}
	return Bilingual(EFORBIDDEN, "只有认领人或主管可以操作该线索", "Only the lead's owner or a pool manager can do this")
}

// canManage reports whether actor manages the lead's pool.
func canManage(p *Pool, actor string) error {
	if p.IsManager(actor) {
		return nil
	}
	return Bilingual(EFORBIDDEN, "只有线索池主管可以操作", "Only a manager of this pool can do this")
}

// IsManager reports whether openID manages any pool.
func (s *Service) IsManager(openID string) bool {
	for i := range s.Settings.Pools {
		if s.Settings.Pools[i].IsManager(openID) {
			return true
		}
	}
	return false
}

// IsOpsChannel reports whether chatID is one of the configured ops channels.
func (s *Service) IsOpsChannel(chatID string) bool { return contains(s.Settings.OpsChannels, chatID) }

// WarmUp fetches the member list of every pool that takes its members from its chat, so that the first
// claim storm after a restart does not wait on the directory. Failures only leave the cache cold.
func (s *Service) WarmUp(ctx context.Context) {
	if s.Directory == nil {
		return
	}
	for i := range s.Settings.Pools {
		p := &s.Settings.Pools[i]
		if len(p.Members) > 0 || p.ChatID == "" {
			continue
		}
		if _, err := s.Directory.ChatMembers(ctx, p.ChatID); err != nil {
			s.logger().Debug("warming pool members", "pool", p.Key, "error", err)
		}
	}
}
