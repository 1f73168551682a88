package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/baton-crm/baton/crm"
)

// inEmptyDir runs the test in a fresh working directory, so Load's ./baton.yaml lookup sees only what the
// test puts there.
func inEmptyDir(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func TestLoadDefaults(t *testing.T) {
	inEmptyDir(t)
	got, err := Load(mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		HTTPAddr:    ":8080",
		DataDir:     "./baton-data",
		LogLevel:    slog.LevelInfo,
		LogFormat:   "text",
		AutoMigrate: true,
		Roles:       []string{"http", "worker", "scheduler"},
		Lark:        Lark{BaseURL: "https://open.feishu.cn", EventMode: "webhook"},
		Settings:    defaultSettings(),
	}
	if diff := cmp.Diff(want, got, cmpLocation); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, r := range []string{RoleHTTP, RoleWorker, RoleScheduler} {
		if !got.HasRole(r) {
			t.Errorf("HasRole(%q) = false", r)
		}
	}
}

func TestLoadEverythingSet(t *testing.T) {
	dir := inEmptyDir(t)
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, mustReadFile(t, filepathFromTest(t, "testdata/design.yaml")), 0o600); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{0xab}, 32)
	env := map[string]string{
		"BATON_HTTP_ADDR":         "127.0.0.1:9000",
		"BATON_DATABASE_URL":      "postgres://baton:pw@db:5432/baton?sslmode=disable",
		"BATON_REDIS_URL":         "redis://:pw@cache:6379/2",
		"BATON_CONFIG":            rules,
		"BATON_DATA_DIR":          "/var/lib/baton",
		"BATON_API_TOKEN":         "0123456789abcdef0123",
		"BATON_LOG_LEVEL":         "debug",
		"BATON_LOG_FORMAT":        "json",
		"BATON_AUTO_MIGRATE":      "false",
		"BATON_ROLES":             " worker , scheduler",
		"BATON_DATA_KEY":          hex.EncodeToString(key),
		"LARK_APP_ID":             "cli_a1",
		"LARK_APP_SECRET":         "app-secret",
		"LARK_VERIFICATION_TOKEN": "verify",
		"LARK_ENCRYPT_KEY":        "encrypt",
		"LARK_BASE_URL":           "https://open.larksuite.com/",
		"LARK_EVENT_MODE":         "websocket",
		"LARK_SEND_WINDOW":        "1.2s",
		"BATON_TOKEN_WEB_FORM":    "tok",
		"BATON_SECRET_ADS":        "sec",
	}
	got, err := Load(mapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		HTTPAddr:    "127.0.0.1:9000",
		DatabaseURL: "postgres://baton:pw@db:5432/baton?sslmode=disable",
		RedisURL:    "redis://:pw@cache:6379/2",
		ConfigPath:  rules,
		DataDir:     "/var/lib/baton",
		APIToken:    "0123456789abcdef0123",
		LogLevel:    slog.LevelDebug,
		LogFormat:   "json",
		AutoMigrate: false,
		Roles:       []string{"worker", "scheduler"},
		DataKey:     key,
		Lark: Lark{AppID: "cli_a1", AppSecret: "app-secret", VerificationToken: "verify", EncryptKey: "encrypt",
			BaseURL: "https://open.larksuite.com", EventMode: "websocket", SendWindow: 1200 * time.Millisecond},
		SettingsFound: true,
	}
	// The settings themselves are covered by TestParseSettingsDesignExample.
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Config{}, "Settings")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(got.Settings.Pools) != 1 || got.Settings.Sources[0].Token != "tok" {
		t.Errorf("settings not read from %s: %+v", rules, got.Settings)
	}
	if got.HasRole(RoleHTTP) {
		t.Error("HasRole(http) = true with BATON_ROLES=worker,scheduler")
	}
}

// filepathFromTest resolves a path relative to the package directory after t.Chdir moved away from it.
func filepathFromTest(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(pkgDir, rel)
}

var pkgDir = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return wd
}()

func TestLoadFindsBatonYAMLInWorkingDir(t *testing.T) {
	inEmptyDir(t)
	if err := os.WriteFile("baton.yaml", []byte("timezone: Europe/Paris\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got.ConfigPath != "baton.yaml" || !got.SettingsFound || got.Settings.Location.String() != "Europe/Paris" {
		t.Errorf("ConfigPath=%q SettingsFound=%v Location=%v", got.ConfigPath, got.SettingsFound, got.Settings.Location)
	}
}

func TestLoadDataKeyEncodings(t *testing.T) {
	inEmptyDir(t)
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, enc := range []string{
		hex.EncodeToString(key),
		base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
	} {
		c, err := Load(mapEnv(map[string]string{"BATON_DATA_KEY": enc}))
		if err != nil {
			t.Errorf("BATON_DATA_KEY=%s: %v", enc, err)
			continue
		}
		if !bytes.Equal(c.DataKey, key) {
			t.Errorf("BATON_DATA_KEY=%s decoded to %x", enc, c.DataKey)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	inEmptyDir(t)
	if err := os.WriteFile("bad.yaml", []byte("pools:\n  - key: east\n    cooldown: 5x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"addresses", map[string]string{
			"BATON_HTTP_ADDR":    "8080",
			"BATON_DATABASE_URL": "mysql://root:hunter2@db/baton",
			"BATON_REDIS_URL":    "redis://",
		}, "BATON_HTTP_ADDR: \"8080\" is not a listen address (like :8080 or 127.0.0.1:8080)\n" +
			"BATON_DATABASE_URL: scheme \"mysql\" is not postgres or postgresql\n" +
			"BATON_REDIS_URL: no host"},
		{"port", map[string]string{"BATON_HTTP_ADDR": ":99999"}, `BATON_HTTP_ADDR: ":99999" has no valid port number`},
		{"levels and switches", map[string]string{
			"BATON_LOG_LEVEL":    "loud",
			"BATON_LOG_FORMAT":   "xml",
			"BATON_AUTO_MIGRATE": "sometimes",
			"BATON_ROLES":        "http,web,http",
		}, "BATON_LOG_LEVEL: \"loud\" is not a level (debug, info, warn, error)\n" +
			"BATON_LOG_FORMAT: \"xml\" is not a format (text or json)\n" +
			"BATON_AUTO_MIGRATE: \"sometimes\" is not true or false\n" +
			"BATON_ROLES: \"web\" is not a role (http, worker, scheduler)\n" +
			"BATON_ROLES: \"http\" is listed twice"},
		{"send window below Lark's second", map[string]string{"LARK_SEND_WINDOW": "500ms"},
			"LARK_SEND_WINDOW: \"500ms\" is not a duration from 1s to 1m (like 1.05s): Lark allows 5 sends a second per chat"},
		{"no roles", map[string]string{"BATON_ROLES": " , "}, "BATON_ROLES: no role given (http, worker, scheduler)"},
		{"short api token", map[string]string{"BATON_API_TOKEN": "letmein"},
			"BATON_API_TOKEN: too short (7 characters); use at least 16, e.g. openssl rand -hex 32"},
		{"data key length", map[string]string{"BATON_DATA_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))},
			"BATON_DATA_KEY: decodes to 16 bytes, need 32 (openssl rand -base64 32)"},
		{"data key garbage", map[string]string{"BATON_DATA_KEY": "not a key!"},
			"BATON_DATA_KEY: not 64 hex characters or base64 of 32 bytes (openssl rand -base64 32)"},
		{"lark half credentials", map[string]string{"LARK_APP_ID": "cli_a1", "LARK_EVENT_MODE": "websocket"},
			"LARK_APP_SECRET: required when LARK_APP_ID is set"},
		{"lark webhook needs encrypt key", map[string]string{"LARK_APP_ID": "cli_a1", "LARK_APP_SECRET": "s"},
			"LARK_ENCRYPT_KEY: required in webhook mode (set it in the app's Events & Callbacks page, or use LARK_EVENT_MODE=websocket)"},
		{"lark mode and url", map[string]string{"LARK_EVENT_MODE": "poll", "LARK_BASE_URL": "https://user:pw@open.feishu.cn"},
			"LARK_BASE_URL: not an http(s) URL without credentials (like https://open.feishu.cn)\n" +
				"LARK_EVENT_MODE: \"poll\" is not webhook or websocket"},
		{"missing config file", map[string]string{"BATON_CONFIG": "nope.yaml"}, "BATON_CONFIG: nope.yaml does not exist"},
		{"env and file problems together", map[string]string{"BATON_CONFIG": "bad.yaml", "BATON_LOG_FORMAT": "yaml"},
			"BATON_LOG_FORMAT: \"yaml\" is not a format (text or json)\n" +
				"bad.yaml:1: routing: required when pools are configured; end it with a default rule ({pool: KEY})\n" +
				"bad.yaml:2: pools[0].name: required\n" +
				"bad.yaml:2: pools[0].chat_id: required\n" +
				"bad.yaml:3: pools[0].cooldown: \"5x\" is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(mapEnv(tt.env))
			if err == nil {
				t.Fatalf("no error; want:\n%s", tt.want)
			}
			if c != nil {
				t.Errorf("Load returned a config along with the error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Errorf("error is %T, want non-empty Errors", err)
			}
		})
	}
}

// A worker-only process never receives webhooks, so it must start without the encrypt key.
func TestLoadWorkerNeedsNoEncryptKey(t *testing.T) {
	inEmptyDir(t)
	_, err := Load(mapEnv(map[string]string{"LARK_APP_ID": "cli_a1", "LARK_APP_SECRET": "s", "BATON_ROLES": "worker"}))
	if err != nil {
		t.Fatal(err)
	}
}

// TestSelfSourcedDefaultsToOwner: a pool that says nothing gives self-entered leads to whoever entered them
// (私海); "pool" sends them to the pool like any other lead.
func TestSelfSourcedDefaultsToOwner(t *testing.T) {
	s, err := ParseSettings([]byte("pools:\n  - {key: a, name: A, chat_id: oc_a}\n  - {key: b, name: B, chat_id: oc_b, self_sourced: pool}\nrouting: [{pool: a}]\n"), "baton.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Pools[0].SelfSourced; got != crm.SelfSourcedOwner {
		t.Errorf("default self_sourced = %q, want owner", got)
	}
	if got := s.Pools[1].SelfSourced; got != crm.SelfSourcedPool {
		t.Errorf("self_sourced: pool = %q", got)
	}
}
