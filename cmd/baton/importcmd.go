package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hibiken/asynq"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/jobs"
)

// openTool wires what an admin command needs: the database and the service. It queues card deliveries
// only when a real Redis is configured; otherwise the running server's sweeper posts the cards within a
// minute, because every new lead is stored as not yet synced.
func openTool(ctx context.Context, getenv func(string) string, stderr io.Writer) (*app, error) {
	cfg, _, err := loadConfig(getenv, false)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: newLogger(cfg, stderr)}
	a.now = (*Hooks)(nil).now()
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	if a.db, err = openDB(ctx, cfg, a.log, a.now, cfg.AutoMigrate); err != nil {
		return nil, err
	}
	a.closed = append(a.closed, func() { a.db.Close() })
	a.svc = &crm.Service{Leads: a.db, Members: a.db, Renderer: cards.Renderer{}, Settings: &a.cfg.Settings, Now: a.now, Logger: a.log}
	if cfg.RedisURL != "" {
		if a.redis, err = jobs.OpenRedis(ctx, cfg.RedisURL, a.log); err != nil {
			return nil, err
		}
		a.closed = append(a.closed, func() { a.redis.Close() })
		a.svc.Scheduler = jobs.NewScheduler(asynq.NewClientFromRedisClient(a.redis.Client), a.log, a.now)
	}
	if cfg.Lark.AppID != "" {
		if a.lark, err = bot.NewClient(bot.Config{AppID: cfg.Lark.AppID, AppSecret: cfg.Lark.AppSecret, BaseURL: cfg.Lark.BaseURL, Logger: a.log}); err != nil {
			return nil, err
		}
		a.svc.Directory = a.lark
	}
	ok = true
	return a, nil
}

const importHelp = `Usage: baton import FILE.csv --source KEY [--rejects FILE]

Imports leads from a CSV file with a header row, with the same validation, routing and dedupe as the API.
Columns: external_id, name, phone, email, company, title, region, campaign, note, pool, tags (separated
by ; or |), utm_<key> (for example utm_source); any other column is kept under the lead's attributes.
Rows that fail are written with their reason to the rejects file (FILE.rejected.csv by default).

`

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("import", importHelp, stderr)
	source := fs.String("source", "", "source key the leads come from (required)")
	rejects := fs.String("rejects", "", "where to write rejected rows (default FILE.rejected.csv)")
	// Accept flags after the file name too: "baton import leads.csv --source web".
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *source == "" {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("")}
	}
	if *rejects == "" {
		*rejects = strings.TrimSuffix(file, ".csv") + ".rejected.csv"
	}
	rows, header, err := readCSV(file)
	if err != nil {
		return err
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	sum, err := importRows(ctx, a.svc, *source, header, rows, *rejects, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d rows from %s: %d created, %d touches of known customers, %d already imported, %d rejected\n",
		len(rows), file, sum[crm.IntakeCreated], sum[crm.IntakeTouch], sum[crm.IntakeExists], sum["rejected"])
	if sum["rejected"] > 0 {
		fmt.Fprintf(stdout, "rejected rows and reasons: %s\n", *rejects)
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

func readCSV(file string) ([][]string, []string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s is empty: a header row is required", file)
	}
	header := all[0]
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	return all[1:], header, nil
}

// importChunk is how many rows go to intake at once: rows of a chunk are written concurrently (and grouped
// by the store), chunks one after another, so progress moves steadily and a failure stops the import soon.
const importChunk = 500

// importRows runs every row through intake, drawing progress on w and writing failures, in file order,
// to rejectsPath. A database failure stops the import; rows already imported stay imported, and running
// the same file again skips them (their external ids are known) or adds them as touches.
func importRows(ctx context.Context, svc *crm.Service, source string, header []string, rows [][]string, rejectsPath string, w io.Writer) (map[crm.IntakeStatus]int, error) {
	sum := map[crm.IntakeStatus]int{}
	var rejected []rejectedRow
	var mu sync.Mutex
	var internal error
	finished := 0
	record := func(row int, res *crm.IntakeResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		finished++
		switch {
		case err == nil:
			sum[res.Status]++
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			return // not started: the import is stopping
		case crm.ErrorCode(err) == crm.EINTERNAL:
			if internal == nil {
				internal = fmt.Errorf("row %d: %w", row+2, err)
			}
		default:
			msg, _ := crm.ErrorMessage(err)
			rejected = append(rejected, rejectedRow{row, msg})
			sum["rejected"]++
		}
		if finished%50 == 0 || finished == len(rows) {
			fmt.Fprintf(w, "\rimporting %d/%d (%d%%): %d created, %d touches, %d existing, %d rejected",
				finished, len(rows), finished*100/len(rows), sum[crm.IntakeCreated], sum[crm.IntakeTouch], sum[crm.IntakeExists], sum["rejected"])
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for lo := 0; lo < len(rows) && internal == nil; lo += importChunk {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		hi := min(lo+importChunk, len(rows))
		var inputs []*crm.LeadInput
		var at []int // inputs[k] is rows[at[k]]
		for i := lo; i < hi; i++ {
			in, err := rowInput(header, rows[i])
			if err != nil {
				record(i, nil, err)
				continue
			}
			inputs, at = append(inputs, in), append(at, i)
		}
		svc.IntakeMany(ctx, source, inputs, func(k int, res *crm.IntakeResult, err error) {
			record(at[k], res, err)
			if crm.ErrorCode(err) == crm.EINTERNAL {
				cancel() // the database is failing: stop starting rows
			}
		})
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
	}
	if err := writeRejects(rejectsPath, header, rows, rejected); err != nil {
		return sum, err
	}
	if internal != nil {
		return sum, internal
	}
	return sum, ctx.Err()
}

// rejectedRow is a row intake refused: its index among the data rows and why.
type rejectedRow struct {
	row    int
	reason string
}

// writeRejects writes the refused rows in file order, with their line numbers and reasons, to path; it
// writes nothing when no row was refused.
func writeRejects(path string, header []string, rows [][]string, rejected []rejectedRow) error {
	if len(rejected) == 0 {
		return nil
	}
	slices.SortFunc(rejected, func(a, b rejectedRow) int { return a.row - b.row })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	_ = cw.Write(append([]string{"line", "reason"}, header...))
	for _, r := range rejected {
		_ = cw.Write(append([]string{strconv.Itoa(r.row + 2), r.reason}, rows[r.row]...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// rowInput maps a CSV row onto a lead input by header name.
func rowInput(header, row []string) (*crm.LeadInput, error) {
	in := &crm.LeadInput{}
	if len(row) > len(header) {
		return nil, crm.FieldError("row", "row has %d columns, the header %d", len(row), len(header))
	}
	for i, v := range row {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch h := header[i]; {
		case h == "external_id":
			in.ExternalID = v
		case h == "name":
			in.Name = v
		case h == "phone":
			in.Phone = v
		case h == "email":
			in.Email = v
		case h == "company":
			in.Company = v
		case h == "title":
			in.Title = v
		case h == "region":
			in.Region = v
		case h == "campaign":
			in.Campaign = v
		case h == "note":
			in.Note = v
		case h == "pool":
			in.Pool = v
		case h == "tags":
			in.Tags = strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' })
		case strings.HasPrefix(h, "utm_"):
			if in.UTM == nil {
				in.UTM = map[string]string{}
			}
			in.UTM[strings.TrimPrefix(h, "utm_")] = v
		default:
			if in.Attributes == nil {
				in.Attributes = map[string]any{}
			}
			in.Attributes[h] = v
		}
	}
	return in, nil
}
