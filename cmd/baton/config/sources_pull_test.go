package config

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

func TestPullSourceSettings(t *testing.T) {
	t.Parallel()
	yml := `sources:
  - key: feiyu
    kind: oceanengine
    credentials_env: BATON_FEIYU
    pull_every: 30s
    write_back: true
    states: {invalid: "197"}
pools:
  - {key: east, name: East, chat_id: oc_1}
routing:
  - {pool: east}
`
	env := map[string]string{"BATON_FEIYU_TOKEN": "tok", "BATON_FEIYU_ADVERTISER_IDS": "17, 18"}
	s, err := ParseSettings([]byte(yml), "baton.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ps := s.Sources[0].Pull
	if ps == nil || ps.Kind != crm.KindOceanEngine || ps.Every != 30*time.Second || !ps.WriteBack ||
		ps.Credentials["token"] != "tok" || ps.Credentials["advertiser_ids"] != "17, 18" || ps.States[crm.WriteBackInvalid] != "197" ||
		ps.Overlap != 10*time.Minute {
		t.Errorf("pull source = %+v", ps)
	}
}

func TestPullSourceErrors(t *testing.T) {
	t.Parallel()
	yml := `sources:
  - {key: a, kind: oceanengine, credentials_env: BATON_A}
  - {key: b, kind: faxmachine}
  - {key: c, token: tok-c-0123456789, pull_every: 1m}
  - {key: d, kind: tencent_ads, credentials_env: BATON_D, states: {maybe: X}, pull_every: 1s}
  - {key: e, kind: tencent_ads, credentials_env: BATON_E, token_codes: [x], token_url: ftp://x}
pools:
  - {key: east, name: East, chat_id: oc_1}
routing:
  - {pool: east}
`
	env := map[string]string{"BATON_D_TOKEN": "t", "BATON_D_ACCOUNT_ID": "x1",
		"BATON_E_REFRESH_TOKEN": "r", "BATON_E_APP_ID": "app", "BATON_E_ACCOUNT_ID": "1"}
	_, err := ParseSettings([]byte(yml), "baton.yaml", func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("bad pull sources accepted")
	}
	for _, want := range []string{
		"sources[0].credentials_env: set BATON_A_REFRESH_TOKEN with _APP_ID and _APP_SECRET (Baton refreshes the access token), or BATON_A_TOKEN (the access token) or BATON_A_TOKEN_FILE",
		"sources[4].credentials_env: set BATON_E_APP_SECRET",
		"sources[4].credentials_env: set BATON_E_APP_ID to the app's numeric id",
		`sources[4].token_codes[0]: "x" is not a whole number`,
		`sources[4].token_url: "ftp://x" is not an http(s) URL`,
		"sources[0].credentials_env: set BATON_A_ADVERTISER_IDS",
		`sources[1].kind: unknown kind "faxmachine"`,
		"sources[2].pull_every: only sources of a pull kind",
		"sources[3].states.maybe: unknown state",
		"sources[3].pull_every: must be at least 10s",
		"sources[3].credentials_env: BATON_D_ACCOUNT_ID must be numeric ids",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
}
