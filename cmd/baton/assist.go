package main

import (
	"context"
	"fmt"

	"github.com/baton-crm/baton/assist"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
)

// wireAssist turns the assistant on when assist: names an endpoint; it stays off (nil) otherwise.
func (a *app) wireAssist(getenv func(string) string) {
	st := a.cfg.Settings.Assist
	if st.BaseURL == "" {
		return
	}
	var key string
	if st.APIKeyEnv != "" {
		key = getenv(st.APIKeyEnv)
		if key == "" {
			a.log.Warn("assist.api_key_env names an unset variable: requests go without a key", "variable", st.APIKeyEnv)
		}
	}
	a.svc.Assistant = assist.New(assist.Config{Settings: st, APIKey: key, Location: a.cfg.Settings.Location,
		Budget: assist.RedisBudget{Client: a.redis.Client}, Logger: a.log, Now: a.now})
	a.svc.AssistJobs = jobs.AssistQueue{Client: a.queue}
	a.log.Info("assistant on", "model", st.Model, "allow", st.Allow, "daily_budget", st.DailyBudget)
}

// assistService delivers the assistant's cards for the jobs: crm decides what to offer, cards draws it.
type assistService struct {
	svc *crm.Service
}

func (s assistService) Summarize(ctx context.Context, leadID, rev int64, actor string) error {
	off, err := s.svc.SummarizeNote(ctx, leadID, actor)
	if err != nil || off == nil {
		return err
	}
	_, err = s.svc.Messenger.Send(ctx, crm.Recipient{OpenID: actor}, crm.Outgoing{Card: cards.AssistOffer(off, s.svc.Settings.Location)},
		fmt.Sprintf("assist-sum-%d-%d", leadID, rev))
	return err
}

func (s assistService) Brief(ctx context.Context, leadID, rev int64) error {
	off, err := s.svc.BriefLead(ctx, leadID)
	if err != nil || off == nil {
		return err
	}
	_, err = s.svc.Messenger.Send(ctx, crm.Recipient{OpenID: off.View.Lead.OwnerID},
		crm.Outgoing{Card: cards.AssistOffer(off, s.svc.Settings.Location)}, fmt.Sprintf("assist-brief-%d-%d", leadID, rev))
	return err
}

// Extract never fails on the model's account: ProposeLead falls back to Baton's own extractor, so the
// task (whose payload holds the pasted text) is not kept around for retries.
func (s assistService) Extract(ctx context.Context, actor, messageID, text string) error {
	p, err := s.svc.ProposeLead(ctx, text, true)
	var card []byte
	if err != nil {
		en, zh := crm.ErrorMessage(err)
		card = cards.CommandError(zh, en, "/lead")
	} else {
		card = cards.LeadProposal(p)
	}
	return s.svc.Messenger.UpdateCard(ctx, messageID, card)
}
