package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/platforms"
	"github.com/baton-crm/baton/platforms/oceanengine"
	"github.com/baton-crm/baton/platforms/tencentads"
)

// The platform defaults config applies to pull sources (late fields, state codes) come from the platform
// packages, which config does not import.
func init() {
	config.PullDefaults[crm.KindOceanEngine] = crm.PullSource{LateFields: oceanengine.LateFields,
		RepullAfter: oceanengine.RepullAfter, States: oceanengine.DefaultStates, Reasons: oceanengine.DefaultReasons}
	config.PullDefaults[crm.KindTencentAds] = crm.PullSource{States: tencentads.DefaultStates, Reasons: tencentads.DefaultReasons}
}

// newPuller builds the pull sources' platform clients and the use cases over them; nil when no source is
// pulled.
func newPuller(svc *crm.Service, store crm.PullStore) (*crm.Puller, error) {
	p := &crm.Puller{Service: svc, Store: store, Platforms: map[string]crm.LeadPlatform{}}
	for _, src := range svc.Settings.Sources {
		if src.Pull == nil {
			continue
		}
		plat, err := newPlatform(src.Pull)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", src.Key, err)
		}
		p.Platforms[src.Key] = plat
	}
	if len(p.Platforms) == 0 {
		return nil, nil
	}
	return p, nil
}

func newPlatform(ps *crm.PullSource) (crm.LeadPlatform, error) {
	caller := platforms.NewCaller(ps.Rate, ps.RetryBackoff)
	token := platforms.Token(ps.Credentials["token"], ps.Credentials["token_file"])
	switch ps.Kind {
	case crm.KindOceanEngine:
		ids, err := parseIDs(ps.Credentials["advertiser_ids"])
		if err != nil {
			return nil, err
		}
		return oceanengine.New(oceanengine.Config{BaseURL: ps.BaseURL, Token: token, AdvertiserIDs: ids,
			PageSize: ps.PageSize, RetryCodes: ps.RetryCodes, Caller: caller}), nil
	case crm.KindTencentAds:
		ids, err := parseIDs(ps.Credentials["account_id"])
		if err != nil || len(ids) != 1 {
			return nil, fmt.Errorf("%s_ACCOUNT_ID must be one account id", ps.CredentialsEnv)
		}
		return tencentads.New(tencentads.Config{BaseURL: ps.BaseURL, Token: token, AccountID: ids[0],
			PageSize: ps.PageSize, RetryCodes: ps.RetryCodes, Caller: caller}), nil
	}
	return nil, fmt.Errorf("unknown pull kind %q", ps.Kind)
}

func parseIDs(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a numeric id", f)
		}
		out = append(out, id)
	}
	return out, nil
}

// pullService adapts crm.Puller to the jobs package's view of it.
type pullService struct{ *crm.Puller }

func (p pullService) Pull(ctx context.Context, source string) error {
	_, err := p.Puller.Pull(ctx, source)
	return err
}

func (p pullService) WriteBack(ctx context.Context, source string) error {
	_, err := p.Puller.WriteBack(ctx, source)
	return err
}

// pullTicks lists the pull sources' schedules.
func pullTicks(s *crm.Settings) []jobs.PullTick {
	var out []jobs.PullTick
	for _, src := range s.Sources {
		if src.Pull != nil {
			out = append(out, jobs.PullTick{Source: src.Key, Every: src.Pull.Every})
		}
	}
	return out
}
