package config

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestFprintRedactsSecrets(t *testing.T) {
	inEmptyDir(t)
	secrets := map[string]string{
		"BATON_API_TOKEN":         "api-token-S1-0123456789",
		"LARK_APP_SECRET":         "app-secret-S2",
		"LARK_VERIFICATION_TOKEN": "verify-S3",
		"LARK_ENCRYPT_KEY":        "encrypt-S4",
		"BATON_TOKEN_WEB_FORM":    "source-token-S5",
		"BATON_SECRET_ADS":        "source-secret-S6",
	}
	dbPassword, redisPassword, sslPassword := "dbpass-S7", "redispass-S8", "sslpass-S9"
	dataKey := strings.Repeat("c0ffee", 10) + "beef" // 64 hex characters
	env := map[string]string{
		"BATON_CONFIG":       filepathFromTest(t, "testdata/design.yaml"),
		"BATON_DATABASE_URL": "postgres://baton:" + dbPassword + "@db:5432/baton?sslmode=verify-full&sslpassword=" + sslPassword,
		"BATON_REDIS_URL":    "redis://:" + redisPassword + "@cache:6379/0",
		"BATON_DATA_KEY":     dataKey,
		"LARK_APP_ID":        "cli_visible",
	}
	for k, v := range secrets {
		env[k] = v
	}
	c, err := Load(mapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	c.Fprint(&b)
	out := b.String()

	leaks := []string{dbPassword, redisPassword, sslPassword, dataKey, hex.EncodeToString(c.DataKey), string(c.DataKey)}
	for _, v := range secrets {
		leaks = append(leaks, v)
	}
	for _, s := range leaks {
		if strings.Contains(out, s) {
			t.Errorf("Fprint printed secret %q:\n%s", s, out)
		}
	}
	// Redaction must not swallow what a person checks the output for.
	for _, want := range []string{
		"BATON_DATABASE_URL: postgres://baton:***@db:5432/baton?sslmode=verify-full&sslpassword=***",
		"BATON_REDIS_URL: redis://:***@cache:6379/0",
		"BATON_API_TOKEN: ***",
		"BATON_DATA_KEY: ***",
		"LARK_APP_ID: cli_visible",
		"LARK_ENCRYPT_KEY: ***",
		"- {key: web-form, token: ***, secret: (unset), rate_limit: 0}",
		"- {key: ads, token: (unset), secret: ***, rate_limit: 0}",
		"protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}",
		`- {match: {source: "web-form", campaign: "双11*"}, pool: east}`,
		"- {pool: east}  # default",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Fprint output lacks %q:\n%s", want, out)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                                     "",
		"postgres://u@h/db":                    "postgres://u@h/db",
		"postgres://u:p@h/db":                  "postgres://u:***@h/db",
		"postgres://h/db?password=p&sslmode=x": "postgres://h/db?password=***&sslmode=x",
		"redis://:p@h:6379/1":                  "redis://:***@h:6379/1",
		"postgres://u:p@h/db%zz":               "***", // does not parse: hide it all
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
