package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/baton-crm/baton/crm"
)

// Config is everything Baton reads at start, validated. cmd/baton builds it once with Load and hands the
// parts to constructors; nothing else reads the environment.
type Config struct {
	HTTPAddr    string
	DatabaseURL string // empty: the embedded SQLite database under DataDir
	RedisURL    string // empty: in-process Redis
	ConfigPath  string // the rules file that was read; empty when there is none
	DataDir     string
	APIToken    string // empty: the admin API is closed
	LogLevel    slog.Level
	LogFormat   string // "text" or "json"
	AutoMigrate bool
	Roles       []string // subset of RoleHTTP, RoleWorker, RoleScheduler
	DataKey     []byte   // 32 bytes, or nil when BATON_DATA_KEY is unset
	OldDataKeys [][]byte // BATON_DATA_OLD_KEYS: retired keys, for decryption only
	Lark        Lark
	Settings    crm.Settings
	// SettingsFound reports that a baton.yaml was read; otherwise Settings holds the defaults, no pools.
	SettingsFound bool
}

// Lark is the self-built app's credentials and how events reach Baton. An empty AppID means the
// built-in emulator.
type Lark struct {
	AppID             string
	AppSecret         string
	VerificationToken string
	EncryptKey        string
	BaseURL           string // https://open.feishu.cn, https://open.larksuite.com, or the emulator
	EventMode         string // EventModeWebhook or EventModeWebSocket
	BotName           string // LARK_BOT_NAME: @-mentions by this name count until Lark reports the bot's open_id
	// NameMissTTL (LARK_NAME_MISS_TTL) is how long a failed user-name look-up (41050, outside the contact
	// range) is remembered; zero takes bot's default of 5 minutes.
	NameMissTTL time.Duration
	// SendWindow (LARK_SEND_WINDOW) is the window in which Baton keeps at most 5 sends into one chat, 5 to
	// one user and 5 updates of one message (Lark's "5 QPS"); zero takes bot's default of 1.05 s.
	SendWindow time.Duration
}

// Roles a process can take (BATON_ROLES).
const (
	RoleHTTP      = "http"
	RoleWorker    = "worker"
	RoleScheduler = "scheduler"
)

// Lark event delivery modes (LARK_EVENT_MODE).
const (
	EventModeWebhook   = "webhook"
	EventModeWebSocket = "websocket"
)

// defaultConfigFile is read when BATON_CONFIG is unset and the file exists in the working directory.
const defaultConfigFile = "baton.yaml"

// envDefaults holds every environment default; variables not listed default to empty.
var envDefaults = map[string]string{
	"BATON_HTTP_ADDR":    ":8080",
	"BATON_DATA_DIR":     "./baton-data",
	"BATON_LOG_LEVEL":    "info",
	"BATON_LOG_FORMAT":   "text",
	"BATON_AUTO_MIGRATE": "true",
	"BATON_ROLES":        "http,worker,scheduler",
	"LARK_BASE_URL":      "https://open.feishu.cn",
	"LARK_EVENT_MODE":    EventModeWebhook,
}

// Load reads the environment through getenv (tests pass a map) and the rules file: BATON_CONFIG when set,
// else ./baton.yaml when it exists. Every problem is reported at once in an Errors.
func Load(getenv func(string) string) (*Config, error) {
	env := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return envDefaults[name]
	}
	var errs Errors
	c := readEnv(env, &errs)

	path := getenv("BATON_CONFIG")
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			path = defaultConfigFile
		}
	}
	if path == "" {
		c.Settings = defaultSettings()
	} else {
		c.ConfigPath = path
		s, err := readSettings(path, getenv)
		if err != nil {
			var fe Errors
			if errors.As(err, &fe) {
				errs = append(errs, fe...)
			} else {
				errs = append(errs, err)
			}
		}
		c.Settings, c.SettingsFound = s, err == nil
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func readSettings(path string, getenv func(string) string) (crm.Settings, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return crm.Settings{}, fmt.Errorf("BATON_CONFIG: %s does not exist", path)
	}
	if err != nil {
		return crm.Settings{}, fmt.Errorf("read config file: %w", err)
	}
	return ParseSettings(data, path, getenv)
}

// HasRole reports whether this process takes role r (RoleHTTP, RoleWorker, RoleScheduler).
func (c *Config) HasRole(r string) bool { return contains(c.Roles, r) }
