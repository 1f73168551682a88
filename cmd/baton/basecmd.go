package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
)

// newMirror builds the Feishu Base mirror; nil when baton.yaml has no base: section or Lark is not set up.
func newMirror(a *app) *crm.Mirror {
	if a.cfg.Settings.Base == nil || a.lark == nil {
		return nil
	}
	return &crm.Mirror{Service: a.svc, Table: a.lark, Store: a.db, Config: *a.cfg.Settings.Base}
}

// mirrorRunner adapts crm.Mirror to jobs.MirrorRunner.
type mirrorRunner struct{ m *crm.Mirror }

func (r mirrorRunner) MirrorOnce(ctx context.Context) (int, error) {
	n, _, err := r.m.RunOnce(ctx)
	return n, err
}

// startMirror subscribes to the Base's record changes and, on worker processes, runs the mirror loop. It
// returns the intake's handler for record changes and a stop function.
func (a *app) startMirror(ctx context.Context, m *crm.Mirror, worker bool) (func(context.Context, crm.BaseChange) error, func()) {
	if m == nil {
		return nil, func() {}
	}
	go func() {
		// Without the subscription (a missing drive scope, say) the mirror still works one way; doctor names
		// the scope.
		if err := a.lark.SubscribeBase(ctx, m.Config.AppToken); err != nil {
			a.log.Warn("subscribe to base record changes", "error", err)
		}
	}()
	handle := func(ctx context.Context, ch crm.BaseChange) error {
		res, err := m.HandleBaseChange(ctx, ch)
		if res.Insights > 0 {
			a.log.Info("base edits filed", "event_id", ch.EventID, "insights", res.Insights, "ignored", res.Ignored)
		}
		return err
	}
	if !worker {
		return handle, func() {}
	}
	loopCtx, cancel := context.WithCancel(ctx)
	var rdb redis.UniversalClient
	if a.redis != nil {
		rdb = a.redis.Client
	}
	loop := jobs.NewMirrorLoop(mirrorRunner{m}, rdb, jobs.MirrorConfig{Key: m.Config.AppToken + ":" + m.Config.TableID, Logger: a.log})
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop.Run(loopCtx)
	}()
	return handle, func() { cancel(); <-done }
}

const baseHelp = `Usage: baton base sync [--all]

Writes the leads the Feishu Base mirror (base: in baton.yaml) has not written yet, with a progress bar:
a backfill of existing leads when the mirror is first switched on, or a catch-up after an outage. --all
rewrites every lead's record (records deleted in Base are created again).
`

func cmdBase(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "sync" {
		fmt.Fprint(stderr, baseHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	fs := flagSet("base sync", baseHelp, stderr)
	all := fs.Bool("all", false, "rewrite every lead's record")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	m := newMirror(a)
	if m == nil {
		return &exitError{code: 2, err: errors.New("baton.yaml has no base: section (or LARK_APP_ID is unset)")}
	}
	table, err := m.Ensure(ctx)
	if err != nil {
		return err
	}
	if *all {
		if err := a.db.ResetMirror(ctx, table); err != nil {
			return err
		}
	}
	total, err := a.db.CountPendingMirror(ctx, table)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mirroring %d leads to base table %s\n", total, table)
	done, fails := 0, 0
	var st crm.MirrorStats
	for {
		n, s, err := m.RunOnce(ctx)
		st.Created, st.Updated, st.Recreated = st.Created+s.Created, st.Updated+s.Updated, st.Recreated+s.Recreated
		if err != nil {
			fails++
			fmt.Fprintf(stderr, "base sync: %v (retrying)\n", err)
			if fails >= 5 {
				return fmt.Errorf("base sync stopped after %d failures: %w", fails, err)
			}
			time.Sleep(time.Duration(fails) * time.Second)
			continue
		}
		fails = 0
		if n == 0 {
			break
		}
		if s == (crm.MirrorStats{}) {
			fmt.Fprintf(stderr, "base sync: %d leads could not be written; see the log\n", n)
			break
		}
		done += n
		fmt.Fprintf(stdout, "progress %s %d/%d\n", bar(done, max(total, done), 20), done, max(total, done))
	}
	fmt.Fprintf(stdout, "totals: created %d, updated %d, re-created %d\n", st.Created, st.Updated, st.Recreated)
	return nil
}
