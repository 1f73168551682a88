// Command baton runs Baton, the IM-first CRM bot for Feishu/Lark: `baton serve` for the server, workers
// and scheduler, plus the admin commands (migrate, config check, import, route). It is the only package
// that knows every other one: it reads the configuration once and wires the stores, the Lark client, the
// queue and the handlers together by hand.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Baton (接力) — the IM-first CRM bot for Feishu/Lark.

Usage:
  baton serve                         run the HTTP server, Lark event intake, workers and scheduler
  baton migrate                       apply database migrations
  baton config check                  validate the configuration and print the effective settings
  baton import FILE.csv --source KEY  import leads from a CSV file
  baton route --dry-run LEAD.json     show which rule, pool and rep a lead would get
  baton customer export|erase PHONE   personal-data requests: export or erase one customer
  baton doctor                        check the Feishu/Lark app's setup and print what to fix
  baton lark ids [EMAIL|MOBILE ...]   list the bot's chats (oc_ ids) and look people up (ou_ ids)
  baton keys rotate                   move personal data to the current BATON_DATA_KEY after a rotation
  baton sources pull|test|rejects KEY backfill or preview a pull source; preview a push body, list its rejects
  baton base sync [--all]              write leads to the Feishu Base mirror, with a progress bar

Run "baton COMMAND --help" for a command's options. Configuration comes from the environment
(BATON_*, LARK_*) and baton.yaml; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}

// exitError carries an exit status; its message has already been printed when silent.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// run is main without the process: tests call it with their own environment, output and hooks.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, hooks *Hooks) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], getenv, stdout, stderr, hooks)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "config":
		err = cmdConfig(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		err = cmdImport(ctx, args[1:], getenv, stdout, stderr)
	case "route":
		err = cmdRoute(ctx, args[1:], getenv, stdout, stderr)
	case "customer":
		err = cmdCustomer(ctx, args[1:], getenv, stdout, stderr)
	case "doctor":
		err = cmdDoctor(ctx, args[1:], getenv, stdout, stderr)
	case "lark":
		err = cmdLark(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		err = cmdKeys(ctx, args[1:], getenv, stdout, stderr)
	case "sources":
		err = cmdSources(ctx, args[1:], getenv, stdout, stderr)
	case "base":
		err = cmdBase(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "baton: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "baton %s: %v\n", args[0], ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "baton %s: %v\n", args[0], err)
	return 1
}
