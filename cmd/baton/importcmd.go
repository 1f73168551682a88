package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
		a.svc.Scheduler = jobs.NewScheduler(asynq.NewClientFromRedisClient(a.redis.Client), a.log)
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

// importRows runs every row through intake, drawing progress on w and writing failures to rejectsPath.
func importRows(ctx context.Context, svc *crm.Service, source string, header []string, rows [][]string, rejectsPath string, w io.Writer) (map[crm.IntakeStatus]int, error) {
	sum := map[crm.IntakeStatus]int{}
	var rej *csv.Writer
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		in, err := rowInput(header, row)
		var res *crm.IntakeResult
		if err == nil {
			res, err = svc.Intake(ctx, source, in)
		}
		if err != nil {
			if crm.ErrorCode(err) == crm.EINTERNAL {
				return sum, fmt.Errorf("row %d: %w", i+2, err)
			}
			if rej == nil {
				f, ferr := os.Create(rejectsPath)
				if ferr != nil {
					return sum, ferr
				}
				defer f.Close()
				rej = csv.NewWriter(f)
				defer rej.Flush()
				_ = rej.Write(append([]string{"line", "reason"}, header...))
			}
			msg, _ := crm.ErrorMessage(err)
			_ = rej.Write(append([]string{fmt.Sprint(i + 2), msg}, row...))
			sum["rejected"]++
		} else {
			sum[res.Status]++
		}
		if (i+1)%50 == 0 || i+1 == len(rows) {
			fmt.Fprintf(w, "\rimporting %d/%d (%d%%): %d created, %d touches, %d existing, %d rejected",
				i+1, len(rows), (i+1)*100/len(rows), sum[crm.IntakeCreated], sum[crm.IntakeTouch], sum[crm.IntakeExists], sum["rejected"])
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
	}
	return sum, nil
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
