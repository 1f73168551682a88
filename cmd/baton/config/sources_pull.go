package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/baton-crm/baton/crm"
)

// pullSourceFields are the keys a source of a pull kind may have, beyond key.
var pullSourceFields = []string{"kind", "credentials_env", "base_url", "pull_every", "overlap", "first_window",
	"repull_after", "late_fields", "rate", "retry_backoff", "retry_codes", "page_size", "write_back", "states", "reasons",
	"token_url", "token_codes", "refresh_before", "deep_paging"}

// pullKinds lists the pull kinds and the credentials each reads from <credentials_env>_<SUFFIX>.
var pullKinds = map[string]struct {
	required []string // one of token/token_file is always required as well
	optional []string
}{
	crm.KindOceanEngine: {required: []string{"ADVERTISER_IDS"}},
	crm.KindTencentAds:  {required: []string{"ACCOUNT_ID"}},
}

// PullDefaults holds the defaults of a pull kind that depend on the platform (late fields, state codes);
// cmd/baton fills it from the platform packages, so config stays free of them.
var PullDefaults = map[string]crm.PullSource{}

// isPullKind reports whether a source's kind is pulled by Baton.
func isPullKind(f map[string]field) bool {
	v, ok := f["kind"]
	if !ok {
		return false
	}
	_, pull := pullKinds[v.val.Value]
	return pull
}

// notPull reports the pull settings of a source that is not of a pull kind (its kind, if any, is a push
// kind, which pushSource checks).
func (p *parser) notPull(f map[string]field) {
	for _, k := range pullSourceFields {
		if k == "kind" {
			continue
		}
		if v, ok := f[k]; ok {
			p.errorf(v.key, v.path, "only sources of a pull kind (%s, %s) take %s", crm.KindOceanEngine, crm.KindTencentAds, k)
		}
	}
}

// pullSource reads the pull settings of a source whose kind is a pull kind.
func (p *parser) pullSource(f map[string]field, item *yaml.Node, path string) *crm.PullSource {
	kind, _ := p.str(f["kind"].val, f["kind"].path)
	ps := defaultPull(kind)
	if v, ok := f["credentials_env"]; ok {
		ps.CredentialsEnv, _ = p.str(v.val, v.path)
	}
	if ps.CredentialsEnv == "" || !isEnvName(ps.CredentialsEnv) {
		p.errorf(item, join(path, "credentials_env"), "required: the prefix of the environment variables with the %s credentials (like BATON_FEIYU)", kind)
	} else {
		p.credentials(ps, item, join(path, "credentials_env"))
	}
	if v, ok := f["base_url"]; ok {
		ps.BaseURL, _ = p.str(v.val, v.path)
		if ps.BaseURL != "" && !strings.HasPrefix(ps.BaseURL, "https://") && !strings.HasPrefix(ps.BaseURL, "http://") {
			p.errorf(v.val, v.path, "%q is not an http(s) URL", v.val.Value)
		}
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
		min time.Duration
	}{{"pull_every", &ps.Every, 10 * time.Second}, {"overlap", &ps.Overlap, 0}, {"first_window", &ps.FirstWindow, 0},
		{"repull_after", &ps.RepullAfter, 0}, {"retry_backoff", &ps.RetryBackoff, time.Millisecond},
		{"refresh_before", &ps.RefreshBefore, 0}} {
		if v, ok := f[d.key]; ok {
			if got, ok := p.duration(v.val, v.path); ok {
				if got < d.min {
					p.errorf(v.val, v.path, "must be at least %s", d.min)
				}
				*d.dst = got
			}
		}
	}
	if v, ok := f["late_fields"]; ok {
		ps.LateFields = nil
		for i, it := range p.items(v.val, v.path) {
			if s, ok := p.str(it, index(v.path, i)); ok && s != "" {
				ps.LateFields = append(ps.LateFields, s)
			}
		}
	}
	if v, ok := f["rate"]; ok {
		ps.Rate, _ = p.rate(v.val, v.path)
	}
	if v, ok := f["page_size"]; ok {
		ps.PageSize, _ = p.count(v.val, v.path)
	}
	if v, ok := f["retry_codes"]; ok {
		ps.RetryCodes = p.codes(v)
	}
	if v, ok := f["token_codes"]; ok {
		ps.TokenCodes = append([]int64{}, p.codes(v)...)
	}
	if v, ok := f["deep_paging"]; ok {
		ps.DeepPaging, _ = p.count(v.val, v.path)
	}
	if v, ok := f["token_url"]; ok {
		ps.TokenURL, _ = p.str(v.val, v.path)
		if ps.TokenURL != "" && !strings.HasPrefix(ps.TokenURL, "https://") && !strings.HasPrefix(ps.TokenURL, "http://") {
			p.errorf(v.val, v.path, "%q is not an http(s) URL", v.val.Value)
		}
	}
	if v, ok := f["write_back"]; ok {
		s, _ := p.str(v.val, v.path)
		switch s {
		case "true", "yes", "on":
			ps.WriteBack = true
		case "false", "no", "off", "":
		default:
			p.errorf(v.val, v.path, "want true or false")
		}
	}
	if v, ok := f["states"]; ok {
		for _, e := range p.pairs(v.val, v.path) {
			st := crm.WriteBackState(e.key.Value)
			if !contains(writeBackStateNames(), string(st)) {
				p.errorf(e.key, e.path, "unknown state (expected one of: %s)", strings.Join(writeBackStateNames(), ", "))
				continue
			}
			ps.States[st], _ = p.str(e.val, e.path)
		}
	}
	if v, ok := f["reasons"]; ok {
		for _, e := range p.pairs(v.val, v.path) {
			q := crm.Quality(e.key.Value)
			if q != crm.QualityInvalidNumber && q != crm.QualityDuplicate {
				p.errorf(e.key, e.path, "unknown verdict (expected invalid_number or duplicate)")
				continue
			}
			ps.Reasons[q], _ = p.str(e.val, e.path)
		}
	}
	return ps
}

// codes reads a list of whole-number platform codes.
func (p *parser) codes(v field) []int64 {
	var out []int64
	for i, it := range p.items(v.val, v.path) {
		s, _ := p.str(it, index(v.path, i))
		c, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.errorf(it, index(v.path, i), "%q is not a whole number", it.Value)
			continue
		}
		out = append(out, c)
	}
	return out
}

// credentials reads <prefix>_TOKEN or <prefix>_TOKEN_FILE, or the OAuth app and refresh token Baton
// refreshes the access token with (<prefix>_REFRESH_TOKEN, _APP_ID, _APP_SECRET), and the kind's other
// variables.
func (p *parser) credentials(ps *crm.PullSource, item *yaml.Node, path string) {
	get := func(suffix string) string { return strings.TrimSpace(p.getenv(ps.CredentialsEnv + "_" + suffix)) }
	for _, s := range []string{"TOKEN", "TOKEN_FILE", "REFRESH_TOKEN", "APP_ID", "APP_SECRET"} {
		ps.Credentials[strings.ToLower(s)] = get(s)
	}
	if ps.Credentials["token"] == "" && ps.Credentials["token_file"] == "" && ps.Credentials["refresh_token"] == "" {
		p.errorf(item, path, "set %s_REFRESH_TOKEN with _APP_ID and _APP_SECRET (Baton refreshes the access token), or %s_TOKEN (the access token) or %s_TOKEN_FILE (a file holding it)",
			ps.CredentialsEnv, ps.CredentialsEnv, ps.CredentialsEnv)
	}
	if ps.Credentials["refresh_token"] != "" {
		if ps.Credentials["app_secret"] == "" {
			p.errorf(item, path, "set %s_APP_SECRET: refreshing the access token needs the app's secret", ps.CredentialsEnv)
		}
		if _, err := strconv.ParseInt(ps.Credentials["app_id"], 10, 64); err != nil {
			p.errorf(item, path, "set %s_APP_ID to the app's numeric id: refreshing the access token needs it", ps.CredentialsEnv)
		}
	}
	k := pullKinds[ps.Kind]
	for _, s := range k.required {
		v := get(s)
		if v == "" {
			p.errorf(item, path, "set %s_%s", ps.CredentialsEnv, s)
			continue
		}
		for _, id := range strings.Split(v, ",") {
			if _, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64); err != nil {
				p.errorf(item, path, "%s_%s must be numeric ids separated by commas", ps.CredentialsEnv, s)
				break
			}
		}
		ps.Credentials[strings.ToLower(s)] = v
	}
}

func writeBackStateNames() []string {
	out := make([]string, len(crm.WriteBackStates))
	for i, s := range crm.WriteBackStates {
		out[i] = string(s)
	}
	return out
}

// defaultPull returns a kind's settings before baton.yaml overrides them.
func defaultPull(kind string) *crm.PullSource {
	d := PullDefaults[kind]
	ps := &crm.PullSource{Kind: kind, Every: time.Minute, Overlap: 10 * time.Minute, FirstWindow: time.Hour,
		RepullAfter: d.RepullAfter, LateFields: append([]string(nil), d.LateFields...), Rate: 2,
		RetryBackoff: time.Second, Credentials: map[string]string{}, RefreshBefore: 10 * time.Minute,
		States: map[crm.WriteBackState]string{}, Reasons: map[crm.Quality]string{}}
	for k, v := range d.States {
		ps.States[k] = v
	}
	for k, v := range d.Reasons {
		ps.Reasons[k] = v
	}
	return ps
}

// printPull is the effective pull settings, credentials redacted.
func printPull(ps *crm.PullSource) string {
	return fmt.Sprintf("kind: %s, credentials_env: %s, token: %s, base_url: %q, pull_every: %s, overlap: %s, repull_after: %s, late_fields: [%s], rate: %g, write_back: %t, states: %v",
		ps.Kind, ps.CredentialsEnv, secret(ps.Credentials["token"]+ps.Credentials["token_file"]+ps.Credentials["refresh_token"]), ps.BaseURL, ps.Every, ps.Overlap,
		ps.RepullAfter, strings.Join(ps.LateFields, ", "), ps.Rate, ps.WriteBack, ps.States)
}
