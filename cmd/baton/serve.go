package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/handlers"
	"github.com/baton-crm/baton/jobs"
)

// shutdownGrace bounds a graceful stop: in-flight requests and tasks get this long to finish.
const shutdownGrace = 15 * time.Second

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, hooks *Hooks) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: baton serve

Runs the HTTP server (lead API, Lark events, health, metrics, sandbox console), the task workers and the
periodic scheduler in one process. BATON_ROLES=http,worker,scheduler picks a subset, to scale them apart.
With no LARK_APP_ID it runs against the built-in Lark emulator and serves the sandbox console.
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, getenv, stderr, hooks)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, stdout, hooks)
}

func (a *app) serve(ctx context.Context, stdout io.Writer, hooks *Hooks) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	reg.MustRegister(jobs.NewQueueCollector(a.redis), jobs.NewFailuresCollector(a.failed))
	a.db.WarmUp(ctx)

	var stops []func()
	defer func() {
		// Workers drain their tasks, but a Redis that hangs can hold asynq's shutdown; the process must still
		// exit in bounded time (a task cut short is redelivered: handlers are safe to run twice).
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := len(stops) - 1; i >= 0; i-- {
				stops[i]()
			}
		}()
		select {
		case <-done:
		case <-time.After(shutdownGrace):
			a.log.Warn("workers did not stop in time; exiting anyway", "grace_s", shutdownGrace.Seconds())
		}
	}()
	puller, err := newPuller(a.svc, a.db) // pull.go
	if err != nil {
		return err
	}
	if a.cfg.HasRole(config.RoleWorker) {
		wc := jobs.WorkerConfig{Logger: a.log, Now: a.now}
		if puller != nil {
			wc.Pull = pullService{puller}
		}
		if a.svc.Tasks != nil {
			wc.Tasks = a.svc
		}
		a.rosterWorker(&wc) // departments.go
		if a.svc.Assistant != nil {
			wc.Assist = assistService{a.svc} // assist.go
		}
		w := jobs.NewWorker(a.redis, workerService{a.svc}, a.db, wc)
		if err := w.Start(); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		stops = append(stops, w.Shutdown)
	}
	if a.cfg.HasRole(config.RoleScheduler) {
		p, err := jobs.NewPeriodic(a.redis, jobs.PeriodicConfig{Location: a.cfg.Settings.Location, Logger: a.log,
			DigestCron: a.cfg.Settings.Digest.Cron, FeedbackCron: a.cfg.Settings.FeedbackSummary.Cron})
		if err != nil {
			return err
		}
		if err := p.AddPulls(pullTicks(&a.cfg.Settings)); err != nil {
			return err
		}
		if a.cfg.Settings.Tasks.Enabled {
			if err := p.AddTasksCheck(time.Minute); err != nil {
				return err
			}
		}
		if err := a.rosterSchedule(p); err != nil {
			return err
		}
		if err := p.Start(); err != nil {
			return fmt.Errorf("start scheduler: %w", err)
		}
		stops = append(stops, p.Shutdown)
	}
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		a.svc.WarmUp(ctx)
	}()
	stops = append(stops, func() { cancel(); <-warmed })
	baseChanged, stopMirror := a.startMirror(ctx, newMirror(a), a.cfg.HasRole(config.RoleWorker)) // basecmd.go
	stops = append(stops, stopMirror)
	larkHandler := &handlers.Lark{Service: a.svc, Messenger: a.lark, Cards: cards.Renderer{Language: a.cfg.Settings.Language}, Logger: a.log}
	intake := bot.IntakeConfig{VerificationToken: a.cfg.Lark.VerificationToken, EncryptKey: a.cfg.Lark.EncryptKey,
		Handler: larkHandler, Dedup: a.db, Logger: a.log, Now: a.now, Bot: a.botIdentity(ctx), BaseChanged: baseChanged}
	if a.cfg.Lark.EventMode == config.EventModeWebSocket {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := bot.RunWebsocket(ctx, a.cfg.Lark.AppID, a.cfg.Lark.AppSecret, a.cfg.Lark.BaseURL, intake); err != nil {
				a.log.Error("lark websocket stopped", "error", err)
			}
		}()
		stops = append(stops, func() { cancel(); <-done })
	}
	if !a.cfg.HasRole(config.RoleHTTP) {
		a.log.Info("baton running", "roles", a.cfg.Roles)
		<-ctx.Done()
		return nil
	}
	mux := http.NewServeMux()
	if a.cfg.Lark.EventMode == config.EventModeWebhook {
		wh, err := bot.NewWebhook(intake)
		if err != nil {
			return err
		}
		mux.Handle("POST /lark/events", wh)
	}
	(&handlers.API{Service: a.svc, AdminToken: a.cfg.APIToken, Limiter: newSourceLimiter(a.cfg.Settings.Sources), Logger: a.log}).Register(mux)
	(&handlers.Health{Checks: a.checks()}).Register(mux)
	mux.Handle("GET /metrics", metricsHandler(reg))
	if a.world != nil {
		a.mountSandbox(mux, ctx)
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           instrument(reg, a.log, mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second, // slow bodies are cut off
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	a.announce(stdout, addr)
	if hooks != nil && hooks.Ready != nil {
		hooks.Ready(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "grace_s", shutdownGrace.Seconds())
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown", "error", err)
	}
	return nil
}

// botIdentity asks Lark for the bot's own open_id, used to recognise @-mentions. When Lark does not answer
// at once, serving goes on: mentions by LARK_BOT_NAME count meanwhile, and the identity is fetched again
// in the background with backoff until Lark answers.
func (a *app) botIdentity(ctx context.Context) *bot.Identity {
	id := bot.NewIdentity("", a.cfg.Lark.BotName)
	first, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if openID, name, err := a.lark.BotInfo(first); err == nil {
		return bot.NewIdentity(openID, a.cfg.Lark.BotName, name)
	}
	go a.lark.LearnIdentity(ctx, id)
	return id
}

func (a *app) checks() []handlers.Check {
	return []handlers.Check{
		{Name: "database", Required: true, Probe: a.db.Ping},
		{Name: "redis", Probe: func(ctx context.Context) error { return a.redis.Client.Ping(ctx).Err() }},
		{Name: "lark", Probe: a.lark.Ping},
		// Notifications Lark keeps refusing (a missing scope, a refused card): degraded, not unavailable.
		{Name: "lark_delivery", Probe: a.failed.ReadyProbe(a.svc.AlertAfter)},
		// Pull sources whose platform token could not be refreshed: their pulls fail until it can.
		{Name: "platform_tokens", Probe: tokenProbe(a.db)},
	}
}

func (a *app) announce(stdout io.Writer, addr string) {
	a.log.Info("baton serving", "addr", addr, "roles", a.cfg.Roles, "lark_mode", a.cfg.Lark.EventMode)
	if a.world == nil {
		return
	}
	_, port, _ := net.SplitHostPort(addr)
	base := "http://127.0.0.1:" + port
	a.world.Emulator.SetWebhook(base + "/lark/events")
	fmt.Fprintf(stdout, `
  Baton sandbox is running: no Lark app needed.
    Console:      %s/sandbox/
    Demo config:  %s
    Post a lead:  curl -X POST %s/api/v1/leads -H 'Authorization: Bearer %s' \
                    -d '{"name":"张三","phone":"13800138000","company":"示例科技","campaign":"双11"}'

`, base, a.world.ConfigPath, base, a.world.SourceToken)
}
