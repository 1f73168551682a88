package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

const sourcesPullHelp = `Usage: baton sources pull KEY --since DATE [--until DATE]

Backfills a pull source (kind oceanengine or tencent_ads): fetches every lead the platform recorded from
--since (inclusive) to --until (exclusive, default now), a day at a time, through the same validation,
dedupe and routing as the scheduled pulls. Leads already in Baton are left alone, so a backfill is safe to
repeat. Dates are YYYY-MM-DD in the configured timezone, or RFC 3339 times.

`

const sourcesTestHelp = `Usage: baton sources test KEY [--since DATE] [--until DATE]

Fetches one page of a pull source's leads (default: the last 24 hours) and prints each lead as Baton would
map it, with every problem (a missing id, a phone that does not validate), storing nothing.

`

// pullArgs reads KEY and the --since/--until window.
func pullArgs(name, help string, args []string, stderr io.Writer, loc *time.Location, sinceRequired bool) (key string, since, until time.Time, err error) {
	fs := flagSet("sources "+name, help, stderr)
	sinceS := fs.String("since", "", "start of the window: YYYY-MM-DD or RFC 3339")
	untilS := fs.String("until", "", "end of the window (exclusive); default now")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		key, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return "", time.Time{}, time.Time{}, err
	}
	if key == "" && fs.NArg() > 0 {
		key = fs.Arg(0)
	}
	if key == "" {
		fs.Usage()
		return "", time.Time{}, time.Time{}, &exitError{code: 2, err: errors.New("name the source KEY")}
	}
	now := time.Now()
	until = now
	if *untilS != "" {
		if until, err = parseWhen(*untilS, loc); err != nil {
			return "", time.Time{}, time.Time{}, &exitError{code: 2, err: fmt.Errorf("--until: %w", err)}
		}
	}
	switch {
	case *sinceS != "":
		if since, err = parseWhen(*sinceS, loc); err != nil {
			return "", time.Time{}, time.Time{}, &exitError{code: 2, err: fmt.Errorf("--since: %w", err)}
		}
	case sinceRequired:
		return "", time.Time{}, time.Time{}, &exitError{code: 2, err: errors.New("--since is required (YYYY-MM-DD)")}
	default:
		since = until.Add(-24 * time.Hour)
	}
	if !since.Before(until) {
		return "", time.Time{}, time.Time{}, &exitError{code: 2, err: errors.New("--since must be before --until")}
	}
	return key, since, until, nil
}

func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t, nil
}

// openPuller opens the admin tool and the pull source KEY.
func openPuller(ctx context.Context, getenv func(string) string, stderr io.Writer, key string) (*app, *crm.Puller, error) {
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return nil, nil, err
	}
	src, ok := a.cfg.Settings.Source(key)
	if !ok || src.Pull == nil {
		a.close()
		return nil, nil, &exitError{code: 2, err: fmt.Errorf("%q is not a pull source in baton.yaml (kind oceanengine or tencent_ads)", key)}
	}
	p, err := newPuller(a.svc, a.db)
	if err != nil {
		a.close()
		return nil, nil, err
	}
	return a, p, nil
}

// pullLocation is the zone --since and --until dates are read in: baton.yaml's timezone, the local zone when
// the configuration cannot be read (the command then fails on it with a clear error).
func pullLocation(getenv func(string) string) *time.Location {
	if cfg, _, err := loadConfig(getenv, false); err == nil && cfg.Settings.Location != nil {
		return cfg.Settings.Location
	}
	return time.Local
}

func cmdSourcesPull(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfgLoc := pullLocation(getenv)
	key, since, until, err := pullArgs("pull", sourcesPullHelp, args, stderr, cfgLoc, true)
	if err != nil {
		return err
	}
	a, p, err := openPuller(ctx, getenv, stderr, key)
	if err != nil {
		return err
	}
	defer a.close()
	fmt.Fprintf(stdout, "backfilling %s from %s to %s\n", key, since.In(cfgLoc).Format(time.RFC3339), until.In(cfgLoc).Format(time.RFC3339))
	st, err := p.Backfill(ctx, key, since, until, func(pr crm.BackfillProgress) {
		fmt.Fprintf(stdout, "progress %s %d/%d days  fetched %d  created %d  touches %d  existing %d  rejected %d\n",
			bar(pr.Done, pr.Days, 20), pr.Done, pr.Days, pr.Stats.Fetched, pr.Stats.Created, pr.Stats.Touches, pr.Stats.Existing, pr.Stats.Rejected)
	})
	fmt.Fprintf(stdout, "totals: fetched %d, created %d, touches %d, existing %d, rejected %d\n",
		st.Fetched, st.Created, st.Touches, st.Existing, st.Rejected)
	if err != nil {
		return err
	}
	if st.Rejected > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d leads were rejected; see the log for their ids and reasons", st.Rejected)}
	}
	return nil
}

// bar draws a progress bar of width cells.
func bar(done, total, width int) string {
	if total <= 0 {
		total = 1
	}
	n := min(done*width/total, width)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func cmdSourcesTest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfgLoc := pullLocation(getenv)
	key, since, until, err := pullArgs("test", sourcesTestHelp, args, stderr, cfgLoc, false)
	if err != nil {
		return err
	}
	a, p, err := openPuller(ctx, getenv, stderr, key)
	if err != nil {
		return err
	}
	defer a.close()
	pg, leads, err := p.Preview(ctx, key, since, until)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: page 1 of %d, %d leads in the window (%d on this page); nothing is stored\n", key, pg.Pages, pg.Total, len(leads))
	bad := 0
	for i, l := range leads {
		in := l.Lead.Input
		fmt.Fprintf(stdout, "%d. external_id=%s created=%s name=%q phone=%s email=%s region=%q campaign=%q\n", i+1,
			l.Lead.ID, l.Lead.CreatedAt.In(cfgLoc).Format(time.RFC3339), in.Name, maskPhone(in.Phone), maskEmail(in.Email), in.Region, in.Campaign)
		for _, k := range sortedKeys(in.Attributes) {
			fmt.Fprintf(stdout, "   attributes.%s=%v\n", k, in.Attributes[k])
		}
		for _, pr := range l.Problems {
			fmt.Fprintf(stdout, "   problem: %s\n", pr)
		}
		if len(l.Problems) > 0 {
			bad++
		}
	}
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d leads have problems", bad, len(leads))}
	}
	return nil
}

// maskPhone shows a phone as cards do (138****8000): enough to recognise, not to call.
func maskPhone(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

func maskEmail(s string) string {
	user, domain, ok := strings.Cut(s, "@")
	if !ok || user == "" {
		return s
	}
	return user[:1] + "***@" + domain
}

// sortedKeys lists a map's keys in order, for output that reads the same every run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
