package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
)

// flagSet returns a FlagSet that prints help to stderr and whose parse errors become exit status 2.
func flagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{code: 0, err: errors.New("")}
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	return nil
}

// parseInterspersed parses flags wherever they stand among the arguments, as the usage lines show them
// ("route --dry-run LEAD.json --source KEY"), and returns the other arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
}

// person names someone for an admin's terminal: "王小明 (ou_…)" when the Lark directory answers, the bare
// open_id otherwise.
func (a *app) person(ctx context.Context, openID string) string {
	if a.lark == nil || openID == "" {
		return openID
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	name, err := a.lark.UserName(ctx, openID)
	if err != nil || name == "" {
		return openID
	}
	return name + " (" + openID + ")"
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", "Usage: baton migrate\n\nApplies pending database migrations (serve does too unless BATON_AUTO_MIGRATE=false).\nSafe to run twice and from several processes at once.\n", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := openDB(ctx, cfg, log, nil, true, true)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrations applied (%s)\n", db.Dialect())
	return nil
}

func cmdConfig(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, "Usage: baton config check\n\nValidates the environment and baton.yaml and prints the effective configuration,\nsecrets redacted. Exits 1 when anything is wrong, listing every problem with its line.\n")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	fs := flagSet("config check", "Usage: baton config check\n", stderr)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, _, err := loadConfig(getenv, false)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
			return &exitError{code: 1, err: fmt.Errorf("%d problem(s) in the configuration", len(errs))}
		}
		return err
	}
	if err := configCheckFields(ctx, cfg, stderr); err != nil {
		fmt.Fprintln(stderr, err)
		return &exitError{code: 1, err: errors.New("a custom field changed its type")}
	}
	cfg.Fprint(stdout)
	fmt.Fprintln(stdout, "configuration ok")
	return nil
}

func cmdRoute(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("route", "Usage: baton route --dry-run LEAD.json|- [--source KEY]\n\nPrints the routing rule a lead matches, its pool, its grade with every grading rule that\nfired, and for assign pools who would get it now and why others were skipped. Nothing is\nstored. LEAD.json is a lead as the API takes it (- reads it from standard input); a\n\"source\" field in it is used when --source is not given.\n\n", stderr)
	dry := fs.Bool("dry-run", false, "explain only (required: route never stores anything)")
	source := fs.String("source", "", "source key the lead comes from")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if !*dry || len(files) != 1 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("")}
	}
	file := files[0]
	data, err := readLeadFile(file)
	if err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%s is not a JSON object: %w", file, err)
	}
	if s, ok := raw["source"]; ok && *source == "" {
		_ = json.Unmarshal(s, source)
	}
	delete(raw, "source")
	data, _ = json.Marshal(raw)
	var in crm.LeadInput
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if *source == "" {
		*source = "api"
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	ex, err := a.svc.ExplainRoute(ctx, *source, &in)
	if err != nil {
		en, _ := crm.ErrorMessage(err)
		return &exitError{code: 1, err: errors.New(en)}
	}
	if ex.Route.RuleIndex >= 0 {
		r := a.cfg.Settings.Routing[ex.Route.RuleIndex]
		fmt.Fprintf(stdout, "rule:  %d (source=%q campaign=%q region=%q tags=%v%s)\n", ex.Route.RuleIndex+1, r.Source, r.Campaign, r.Region, r.Tags, ruleGrades(r))
	} else {
		fmt.Fprintln(stdout, "rule:  none (the lead names its pool, or there are no rules)")
	}
	for _, m := range ex.Route.Misses {
		fmt.Fprintf(stdout, "  skipped %s\n", m)
	}
	fmt.Fprintf(stdout, "pool:  %s (%s, %s mode)\n", ex.Pool.Key, ex.Pool.Name, ex.Pool.Mode)
	printGrade(stdout, ex, a.cfg.Settings.Grading)
	if ex.Pool.Mode == crm.ModeAssign {
		if ex.Assignee == "" {
			fmt.Fprintln(stdout, "owner: nobody available now; the lead would wait in the pool")
		} else {
			fmt.Fprintf(stdout, "owner: %s\n", a.person(ctx, ex.Assignee))
		}
		for _, s := range ex.Skipped {
			fmt.Fprintf(stdout, "  skipped %s: %s\n", a.person(ctx, s.OpenID), s.Reason)
		}
	} else {
		fmt.Fprintln(stdout, "owner: first rep to tap Claim on the card in the pool chat")
	}
	return nil
}
