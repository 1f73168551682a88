package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// pullStore is what the pull sources keep in the database: their bookkeeping and their platform tokens.
type pullStore interface {
	crm.PullStore
	crm.TokenStore
}

// newPuller builds the pull sources' platform clients and the use cases over them; nil when no source is
// pulled.
func newPuller(svc *crm.Service, store pullStore) (*crm.Puller, error) {
	p := &crm.Puller{Service: svc, Store: store, Platforms: map[string]crm.LeadPlatform{}}
	for _, src := range svc.Settings.Sources {
		if src.Pull == nil {
			continue
		}
		plat, err := newPlatform(src.Key, src.Pull, svc, store)
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

func newPlatform(key string, ps *crm.PullSource, svc *crm.Service, store crm.TokenStore) (crm.LeadPlatform, error) {
	caller := platforms.NewCaller(ps.Rate, ps.RetryBackoff)
	// The OAuth call is not paced with the lead calls: it must not wait behind a backlog of pages.
	tokens := func(refresher func(tokenURL string, appID int64, secret string, c *platforms.Caller) platforms.RefreshFunc, defaultURL string) platforms.TokenProvider {
		if ps.Credentials["refresh_token"] == "" {
			return platforms.StaticToken(platforms.Token(ps.Credentials["token"], ps.Credentials["token_file"]))
		}
		appID, _ := strconv.ParseInt(ps.Credentials["app_id"], 10, 64)
		tokenURL := ps.TokenURL
		if tokenURL == "" {
			tokenURL = defaultURL
		}
		return &platforms.Tokens{Source: key, Store: store, Now: svc.Now, Logger: svc.Logger, RefreshBefore: ps.RefreshBefore,
			Refresher: refresher(tokenURL, appID, ps.Credentials["app_secret"], platforms.NewCaller(0, ps.RetryBackoff)),
			// The environment's pair seeds the chain; Seed names it, so a new pair set after a
			// re-authorisation replaces the stored one.
			Seed: crm.PlatformToken{Access: ps.Credentials["token"], Refresh: ps.Credentials["refresh_token"], Seed: ps.Credentials["refresh_token"]}}
	}
	switch ps.Kind {
	case crm.KindOceanEngine:
		ids, err := parseIDs(ps.Credentials["advertiser_ids"])
		if err != nil {
			return nil, err
		}
		return oceanengine.New(oceanengine.Config{BaseURL: ps.BaseURL, AdvertiserIDs: ids,
			Tokens:   tokens(oceanengine.Refresher, oceanengine.RefreshURL(ps.BaseURL)),
			PageSize: ps.PageSize, RetryCodes: ps.RetryCodes, TokenCodes: ps.TokenCodes, Caller: caller}), nil
	case crm.KindTencentAds:
		ids, err := parseIDs(ps.Credentials["account_id"])
		if err != nil || len(ids) != 1 {
			return nil, fmt.Errorf("%s_ACCOUNT_ID must be one account id", ps.CredentialsEnv)
		}
		return tencentads.New(tencentads.Config{BaseURL: ps.BaseURL, AccountID: ids[0],
			Tokens:   tokens(tencentads.Refresher, tencentads.RefreshURL(ps.BaseURL)),
			PageSize: ps.PageSize, RetryCodes: ps.RetryCodes, TokenCodes: ps.TokenCodes, DeepPaging: ps.DeepPaging, Caller: caller}), nil
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

// tokenProbe fails naming each pull source whose last token refresh failed: its pulls fail until an
// operator sets new credentials (or the platform heals), so /readyz reports Baton degraded.
func tokenProbe(store crm.TokenStore) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		fails, err := store.TokenFailures(ctx)
		if err != nil {
			return err
		}
		var errs []error
		for _, f := range fails {
			errs = append(errs, fmt.Errorf("source %s: token refresh failed at %s: %s", f.Source, f.At.UTC().Format(time.RFC3339), f.Error))
		}
		return errors.Join(errs...)
	}
}
