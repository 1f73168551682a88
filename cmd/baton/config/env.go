package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// readEnv fills the environment part of Config, appending one clear problem per bad variable. Values
// of secret variables never appear in messages.
func readEnv(env func(string) string, errs *Errors) *Config {
	bad := func(format string, args ...any) { *errs = append(*errs, fmt.Errorf(format, args...)) }
	c := &Config{
		HTTPAddr:    env("BATON_HTTP_ADDR"),
		DatabaseURL: env("BATON_DATABASE_URL"),
		RedisURL:    env("BATON_REDIS_URL"),
		DataDir:     env("BATON_DATA_DIR"),
		APIToken:    env("BATON_API_TOKEN"),
		LogFormat:   env("BATON_LOG_FORMAT"),
		Lark: Lark{
			AppID:             env("LARK_APP_ID"),
			AppSecret:         env("LARK_APP_SECRET"),
			VerificationToken: env("LARK_VERIFICATION_TOKEN"),
			EncryptKey:        env("LARK_ENCRYPT_KEY"),
			BaseURL:           strings.TrimRight(env("LARK_BASE_URL"), "/"),
			EventMode:         env("LARK_EVENT_MODE"),
			BotName:           strings.TrimSpace(env("LARK_BOT_NAME")),
		},
	}
	if msg := checkListenAddr(c.HTTPAddr); msg != "" {
		bad("BATON_HTTP_ADDR: %q %s", c.HTTPAddr, msg)
	}
	if c.DatabaseURL != "" {
		if msg := checkURL(c.DatabaseURL, "postgres", "postgresql"); msg != "" {
			bad("BATON_DATABASE_URL: %s", msg)
		}
	}
	if c.RedisURL != "" {
		if msg := checkURL(c.RedisURL, "redis", "rediss"); msg != "" {
			bad("BATON_REDIS_URL: %s", msg)
		}
	}
	if c.DataDir == "" {
		bad("BATON_DATA_DIR: empty")
	}
	// A short admin token can be guessed online; 16 characters is the floor `openssl rand -hex 8` clears.
	if c.APIToken != "" && len(c.APIToken) < 16 {
		bad("BATON_API_TOKEN: too short (%d characters); use at least 16, e.g. openssl rand -hex 32", len(c.APIToken))
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("BATON_LOG_LEVEL"))); err != nil {
		bad("BATON_LOG_LEVEL: %q is not a level (debug, info, warn, error)", env("BATON_LOG_LEVEL"))
		c.LogLevel = slog.LevelInfo
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("BATON_LOG_FORMAT: %q is not a format (text or json)", c.LogFormat)
	}
	auto, err := strconv.ParseBool(env("BATON_AUTO_MIGRATE"))
	if err != nil {
		bad("BATON_AUTO_MIGRATE: %q is not true or false", env("BATON_AUTO_MIGRATE"))
	}
	c.AutoMigrate = auto
	if v := env("LARK_NAME_MISS_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("LARK_NAME_MISS_TTL: %q is not a positive duration (like 5m)", v)
		}
		c.Lark.NameMissTTL = d
	}
	if v := env("LARK_SEND_WINDOW"); v != "" {
		// Lark counts 5 a second; a shorter window would send faster than that.
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Minute {
			bad("LARK_SEND_WINDOW: %q is not a duration from 1s to 1m (like 1.05s): Lark allows 5 sends a second per chat", v)
		}
		c.Lark.SendWindow = d
	}
	c.Roles = parseRoles(env("BATON_ROLES"), bad)
	if v := env("BATON_DATA_KEY"); v != "" {
		key, err := parseDataKey(v)
		if err != nil {
			bad("BATON_DATA_KEY: %v", err)
		}
		c.DataKey = key
	}
	// Retired keys still decrypt values sealed before a rotation; new values use BATON_DATA_KEY.
	for i, v := range strings.Split(env("BATON_DATA_OLD_KEYS"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		key, err := parseDataKey(v)
		if err != nil {
			bad("BATON_DATA_OLD_KEYS[%d]: %v", i, err)
			continue
		}
		c.OldDataKeys = append(c.OldDataKeys, key)
	}
	if len(c.OldDataKeys) > 0 && c.DataKey == nil {
		bad("BATON_DATA_OLD_KEYS: set only together with BATON_DATA_KEY")
	}
	checkLark(&c.Lark, contains(c.Roles, RoleHTTP), bad)
	return c
}

func checkListenAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "is not a listen address (like :8080 or 127.0.0.1:8080)"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has no valid port number"
	}
	return ""
}

// checkURL validates a connection URL without ever quoting it: it may carry a password.
func checkURL(raw string, schemes ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("not a URL (expected %s://…)", schemes[0])
	}
	if !contains(schemes, u.Scheme) {
		return fmt.Sprintf("scheme %q is not %s", u.Scheme, strings.Join(schemes, " or "))
	}
	if u.Host == "" && !strings.Contains(u.RawQuery, "host=") {
		return "no host"
	}
	return ""
}

func parseRoles(s string, bad func(string, ...any)) []string {
	var roles []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
			continue
		case r != RoleHTTP && r != RoleWorker && r != RoleScheduler:
			bad("BATON_ROLES: %q is not a role (http, worker, scheduler)", r)
		case contains(roles, r):
			bad("BATON_ROLES: %q is listed twice", r)
		default:
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		bad("BATON_ROLES: no role given (http, worker, scheduler)")
	}
	return roles
}

// parseDataKey accepts 64 hex characters or base64 (standard or URL alphabet, padded or not) of 32 bytes.
func parseDataKey(s string) ([]byte, error) {
	if len(s) == 64 {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("decodes to %d bytes, need 32 (openssl rand -base64 32)", len(key))
		}
		return key, nil
	}
	return nil, fmt.Errorf("not 64 hex characters or base64 of 32 bytes (openssl rand -base64 32)")
}

func checkLark(l *Lark, servesHTTP bool, bad func(string, ...any)) {
	switch {
	case l.AppID != "" && l.AppSecret == "":
		bad("LARK_APP_SECRET: required when LARK_APP_ID is set")
	case l.AppID == "" && l.AppSecret != "":
		bad("LARK_APP_ID: required when LARK_APP_SECRET is set")
	}
	u, err := url.Parse(l.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		bad("LARK_BASE_URL: not an http(s) URL without credentials (like https://open.feishu.cn)")
	}
	switch l.EventMode {
	case EventModeWebhook:
		// Without an encrypt key, events arrive in plaintext and unsigned: anyone who finds the URL
		// could forge card clicks.
		if servesHTTP && l.AppID != "" && l.EncryptKey == "" {
			bad("LARK_ENCRYPT_KEY: required in webhook mode (set it in the app's Events & Callbacks page, or use LARK_EVENT_MODE=websocket)")
		}
	case EventModeWebSocket:
	default:
		bad("LARK_EVENT_MODE: %q is not webhook or websocket", l.EventMode)
	}
}
