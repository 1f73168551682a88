package crm

import (
	"context"
	"fmt"
)

// EnterResult is what EnterLead did: the intake's outcome, and why a self-sourced lead went to the pool
// instead of to the person who entered it (nil when it did not, or when the pool wants it there).
type EnterResult struct {
	*IntakeResult
	Capped error
}

// EnterLead stores a lead a person typed in chat (/lead or its form). When the pool it routes to keeps
// self-sourced leads with their finder (self_sourced: owner, the default; 纷享销客 calls such leads 私海)
// and actor is a rep of that pool, actor owns the lead from the start. Managers' leads go to the pool for
// them to hand out, and so does a rep's lead while the rep holds the pool's open-lead cap: the cap is what
// keeps a rep's desk workable, whoever found the lead.
func (s *Service) EnterLead(ctx context.Context, actor string, in *LeadInput) (*EnterResult, error) {
	now := s.now()
	if in.Attributes == nil {
		in.Attributes = map[string]any{}
	}
	in.Attributes[AttrEnteredBy] = actor
	in.Author = actor // a returning customer's touch keeps who typed it
	nl, err := in.Normalize(ChatSource, now)
	if err != nil {
		return nil, err
	}
	out := &EnterResult{}
	res, err := s.intakeAs(ctx, ChatSource, nl, now, nil, func(p *Pool) (string, error) {
		if p.SelfSourced == SelfSourcedPool || actor == "" || (p.IsManager(actor) && !contains(p.Members, actor)) {
			return "", nil
		}
		if ok, err := s.isPoolMember(ctx, p, actor); err != nil || !ok {
			return "", err
		}
		if p.Limits.Open > 0 {
			st, err := s.Leads.MemberStats(ctx, actor, 0, s.dayStart(now))
			if err != nil {
				return "", fmt.Errorf("enter lead: %w", err)
			}
			if st.OpenLeads >= p.Limits.Open {
				out.Capped = Bilingual(ELIMIT,
					fmt.Sprintf("你已持有 %d/%d 条线索，新线索进入公海池", st.OpenLeads, p.Limits.Open),
					fmt.Sprintf("You hold %d of %d leads, so the new lead went to the pool", st.OpenLeads, p.Limits.Open))
				return "", nil
			}
		}
		return actor, nil
	})
	if err != nil {
		return nil, err
	}
	out.IntakeResult = res
	return out, nil
}

// AttrEnteredBy is the lead attribute holding the open_id of whoever entered a chat lead.
const AttrEnteredBy = "entered_by"

// EnteredBy returns the open_id of the person who typed the lead into chat, or "". Only chat leads are
// asked: attributes of API leads come from outside and could claim anyone.
func (l *Lead) EnteredBy() string {
	if l.Source != ChatSource {
		return ""
	}
	id, _ := l.Attributes[AttrEnteredBy].(string)
	return id
}
