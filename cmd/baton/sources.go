package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/handlers"
)

const sourcesHelp = `Usage:
  baton sources test KEY FILE              map a sample push body as POST /api/v1/push/KEY would, storing nothing
  baton sources rejects KEY [--limit N]    list records of the push source that failed validation
  baton sources pull KEY --since DATE [--until DATE]
                                           backfill a pull source (oceanengine, tencent_ads)
  baton sources test KEY [--since DATE] [--until DATE]
                                           fetch one page of a pull source; print the mapped leads and every
                                           problem, storing nothing

FILE holds the platform's body (简道云: {"op": "data_create", "data": {…}}; webhook: the record), or a JSON
list of such bodies. test prints each mapped lead and every problem, and exits 1 when a record would be
rejected. rejects prints the newest first; --records adds each record as received (personal data).
`

// cmdSources dispatches `baton sources`: push sources' test and rejects here, pull sources' pull and test in
// sources_pull.go. A test with a FILE is a push preview; without one, a pull preview.
func cmdSources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch {
		case args[0] == "pull":
			return cmdSourcesPull(ctx, args[1:], getenv, stdout, stderr)
		case args[0] == "test" && !hasFileArg(args[1:]):
			return cmdSourcesTest(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	if len(args) < 1 || (args[0] != "test" && args[0] != "rejects") {
		fmt.Fprint(stderr, sourcesHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	verb := args[0]
	fs := flagSet("sources "+verb, sourcesHelp, stderr)
	limit := fs.Int("limit", 50, "rejects: how many to list")
	records := fs.Bool("records", false, "rejects: print each record as received")
	// Positional arguments first (KEY FILE), flags after them, as `baton customer` reads its own.
	var pos []string
	rest := args[1:]
	for len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	want := 1
	if verb == "test" {
		want = 2
	}
	if len(pos) != want {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("")}
	}
	if verb == "test" {
		return sourcesTest(getenv, pos[0], pos[1], stdout)
	}
	return sourcesRejects(ctx, getenv, pos[0], *limit, *records, stdout, stderr)
}

// pushSource returns the configured push source KEY.
func pushSource(cfg *config.Config, key string) (*crm.Source, error) {
	src, ok := cfg.Settings.Source(key)
	if !ok {
		return nil, &exitError{code: 1, err: fmt.Errorf("no source %q in %s", key, cfg.ConfigPath)}
	}
	if src.Kind == "" {
		return nil, &exitError{code: 1, err: fmt.Errorf("source %q has no kind: it takes leads on POST /api/v1/leads, not pushes", key)}
	}
	return src, nil
}

func sourcesTest(getenv func(string) string, key, file string, stdout io.Writer) error {
	cfg, _, err := loadConfig(getenv, false)
	if err != nil {
		return err
	}
	src, err := pushSource(cfg, key)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	bodies := []json.RawMessage{data}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &bodies); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	now := time.Now()
	rejected := 0
	for i, body := range bodies {
		fmt.Fprintf(stdout, "record %d", i+1)
		p, err := handlers.DecodePush(src.Kind, body)
		if err != nil {
			fmt.Fprintf(stdout, ": the body does not decode: %v\n", err)
			rejected++
			continue
		}
		pv := crm.PreviewPush(&cfg.Settings, src, p, now)
		if p.Op != "" {
			fmt.Fprintf(stdout, " (op %s)", p.Op)
		}
		fmt.Fprintf(stdout, ": %s", pv.Action)
		if pv.Pool != "" {
			fmt.Fprintf(stdout, " → pool %s", pv.Pool)
		}
		fmt.Fprintln(stdout)
		if pv.Input != nil {
			printMapped(stdout, pv.Input)
		}
		for _, pr := range pv.Problems {
			fmt.Fprintf(stdout, "  problem: %s\n", pr)
		}
		if pv.Action != "ignored" && pv.Lead == nil {
			rejected++
		}
	}
	if rejected > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d record(s) would be rejected", rejected, len(bodies))}
	}
	fmt.Fprintf(stdout, "%d record(s) would be stored; nothing was stored\n", len(bodies))
	return nil
}

func printMapped(w io.Writer, in *crm.LeadInput) {
	for _, kv := range [][2]string{{"external_id", in.ExternalID}, {"name", in.Name}, {"phone", in.Phone},
		{"email", in.Email}, {"company", in.Company}, {"title", in.Title}, {"region", in.Region},
		{"campaign", in.Campaign}, {"note", in.Note}, {"pool", in.Pool}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "  %-11s %s\n", kv[0]+":", kv[1])
		}
	}
	if len(in.Tags) > 0 {
		fmt.Fprintf(w, "  %-11s %s\n", "tags:", strings.Join(in.Tags, ", "))
	}
	for _, k := range sortedKeys(in.UTM) {
		fmt.Fprintf(w, "  %-11s %s\n", "utm."+k+":", in.UTM[k])
	}
	keys := make([]string, 0, len(in.Attributes))
	for k := range in.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  attributes.%s: %v\n", k, in.Attributes[k])
	}
}

func sourcesRejects(ctx context.Context, getenv func(string) string, key string, limit int, records bool, stdout, stderr io.Writer) error {
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if _, err := pushSource(a.cfg, key); err != nil {
		return err
	}
	rs, err := a.db.Rejects(ctx, key, limit)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintf(stdout, "no rejected records for %s\n", key)
		return nil
	}
	loc := a.cfg.Settings.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, r := range rs {
		fmt.Fprintf(stdout, "#%d  %s  op=%s  external_id=%s  delivery=%s\n    reason: %s", r.ID,
			r.At.In(loc).Format("2006-01-02 15:04:05"), dash(r.Op), dash(r.ExternalID), dash(r.DeliveryID), r.Reason)
		if r.Field != "" {
			fmt.Fprintf(stdout, " (field %s)", r.Field)
		}
		fmt.Fprintln(stdout)
		if records {
			fmt.Fprintf(stdout, "    record: %s\n", r.Record)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// hasFileArg reports whether a test's arguments name a FILE after the KEY (a push preview).
func hasFileArg(args []string) bool {
	n := 0
	for _, a := range args {
		if a == "" || a[0] == '-' {
			break
		}
		n++
	}
	return n >= 2
}
