package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/sandbox"
	"github.com/baton-crm/baton/storage"
)

// Hooks let tests observe and steer a run of the server.
type Hooks struct {
	Now   func() time.Time  // the clock every component uses; time.Now when nil
	Ready func(addr string) // called with the HTTP listen address once it accepts connections
}

func (h *Hooks) now() func() time.Time {
	if h == nil || h.Now == nil {
		return time.Now
	}
	return h.Now
}

// app is one process's wiring: every store and client, built once from the configuration.
type app struct {
	cfg    *config.Config
	log    *slog.Logger
	db     *storage.DB
	redis  *jobs.Redis
	queue  *asynq.Client
	lark   *bot.Client
	world  *sandbox.World
	svc    *crm.Service
	failed *jobs.Failures // notifications Lark keeps refusing
	now    func() time.Time
	closed []func()
}

// loadConfig reads the configuration; with no Lark credentials it starts the sandbox first, so that the
// emulator's credentials and the demo baton.yaml take part in the same validation.
func loadConfig(getenv func(string) string, sandboxOK bool) (*config.Config, *sandbox.World, error) {
	cfg, err := config.Load(getenv)
	if err == nil && !sandboxOK {
		return sandboxSettings(cfg, getenv)
	}
	if err != nil || cfg.Lark.AppID != "" {
		return cfg, nil, err
	}
	world, err := sandbox.Start(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	emu := world.Emulator.Config()
	overlay := map[string]string{
		"LARK_APP_ID": emu.AppID, "LARK_APP_SECRET": emu.AppSecret, "LARK_VERIFICATION_TOKEN": emu.VerificationToken,
		"LARK_ENCRYPT_KEY": emu.EncryptKey, "LARK_BASE_URL": world.Emulator.URL(), "LARK_EVENT_MODE": config.EventModeWebhook,
	}
	if cfg.ConfigPath == "" {
		overlay["BATON_CONFIG"] = world.ConfigPath
	}
	cfg, err = config.Load(func(k string) string {
		if v, ok := overlay[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		world.Close()
		return nil, nil, err
	}
	return cfg, world, nil
}

// sandboxSettings makes an admin command read the rules serve reads: with no Lark app and no baton.yaml
// of its own, serve runs the sandbox on the demo baton.yaml in BATON_DATA_DIR, so that is the file.
func sandboxSettings(cfg *config.Config, getenv func(string) string) (*config.Config, *sandbox.World, error) {
	if cfg.ConfigPath != "" || cfg.Lark.AppID != "" {
		return cfg, nil, nil
	}
	path := filepath.Join(cfg.DataDir, "baton.yaml")
	if _, err := os.Stat(path); err != nil {
		return cfg, nil, nil
	}
	cfg, err := config.Load(func(k string) string {
		if k == "BATON_CONFIG" {
			return path
		}
		return getenv(k)
	})
	return cfg, nil, err
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens the database (the embedded SQLite file when no URL is set) and migrates it when asked.
// Admin commands pass quiet: the warning belongs to the server's start, not to every `baton route`.
func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger, now func() time.Time, migrate, quiet bool) (*storage.DB, error) {
	url := cfg.DatabaseURL
	if url == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		url = "sqlite://" + filepath.Join(cfg.DataDir, "baton.db")
		if !quiet {
			log.Warn("BATON_DATABASE_URL is not set: using the embedded SQLite database; use PostgreSQL in production", "path", filepath.Join(cfg.DataDir, "baton.db"))
		}
	}
	key, err := dataKey(cfg, log)
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, url, storage.Options{DataKey: key, OldKeys: cfg.OldDataKeys, Logger: log, Now: now,
		PIIFields: piiFieldKeys(&cfg.Settings)})
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
		at := time.Now()
		if now != nil {
			at = now()
		}
		if err := registerFields(ctx, db, &cfg.Settings, at); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// dataKey returns the key that encrypts personal data. Production sets BATON_DATA_KEY; the embedded
// default keeps a generated key beside the SQLite file, since losing it makes every phone number unreadable.
func dataKey(cfg *config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.DataKey != nil {
		return cfg.DataKey, nil
	}
	if cfg.DatabaseURL != "" {
		return nil, errors.New("BATON_DATA_KEY is required with BATON_DATABASE_URL: it encrypts phone numbers and emails at rest (32 bytes, base64 or hex; `openssl rand -base64 32`)")
	}
	path := filepath.Join(cfg.DataDir, "data.key")
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("generate data key: %w", err)
		}
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("store data key: %w", err)
		}
		log.Warn("BATON_DATA_KEY is not set: generated a data key for the embedded database; back it up with the database", "path", path)
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read data key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("data key %s is %d bytes, want 32", path, len(key))
	}
	return key, nil
}

// openApp builds everything a serving process needs.
func openApp(ctx context.Context, getenv func(string) string, stderr io.Writer, hooks *Hooks) (*app, error) {
	cfg, world, err := loadConfig(getenv, true)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, world: world, now: hooks.now(), log: newLogger(cfg, stderr)}
	if world != nil {
		a.closed = append(a.closed, world.Close)
		a.log.Warn("LARK_APP_ID is not set: running against the built-in Lark emulator (sandbox mode)", "emulator", world.Emulator.URL())
	}
	if !cfg.SettingsFound {
		a.log.Warn("no baton.yaml found: no pools are configured, leads cannot be routed (see baton.example.yaml)")
	}
	if err := a.open(ctx); err != nil {
		a.close()
		return nil, err
	}
	a.wireAssist(getenv) // assist.go
	return a, nil
}

func (a *app) open(ctx context.Context) error {
	var err error
	if a.db, err = openDB(ctx, a.cfg, a.log, a.now, a.cfg.AutoMigrate, false); err != nil {
		return err
	}
	a.closed = append(a.closed, func() { a.db.Close() })
	if a.redis, err = jobs.OpenRedis(ctx, a.cfg.RedisURL, a.log); err != nil {
		return err
	}
	a.closed = append(a.closed, func() { a.redis.Close() })
	a.queue = asynq.NewClientFromRedisClient(a.redis.Client)
	if a.lark, err = bot.NewClient(bot.Config{AppID: a.cfg.Lark.AppID, AppSecret: a.cfg.Lark.AppSecret,
		BaseURL: a.cfg.Lark.BaseURL, Redis: a.redis.Client, Logger: a.log, NameMissTTL: a.cfg.Lark.NameMissTTL,
		Limits: bot.Limits{TargetWindow: a.cfg.Lark.SendWindow}}); err != nil {
		return err
	}
	a.failed = jobs.NewFailures(a.redis, a.now)
	a.svc = &crm.Service{
		Leads: a.db, Members: a.db, Privacy: a.db, Messenger: a.lark, Directory: a.lark,
		Scheduler: jobs.NewScheduler(a.queue, a.log, a.now), Renderer: cards.Renderer{Language: a.cfg.Settings.Language},
		Settings: &a.cfg.Settings, Now: a.now, Logger: a.log,
		Insights: a.db, Digests: a.db, Marks: a.db, Failures: a.failed, Teams: a.db, Pushes: a.db,
		Boards: a.db, // pool boards for bursts (crm/board.go)
	}
	if a.cfg.Settings.Tasks.Enabled {
		a.svc.Tasks, a.svc.TaskStore = a.lark, a.db // follow-ups as Feishu tasks
	}
	a.wireDepartments() // departments.go
	return nil
}

func (a *app) close() {
	for i := len(a.closed) - 1; i >= 0; i-- {
		a.closed[i]()
	}
}
