package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
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
	if a.db, err = openDB(ctx, cfg, a.log, a.now, cfg.AutoMigrate, true); err != nil {
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

const importHelp = `Usage: baton import FILE.csv --source KEY [--quiet[=false]] [--rejects FILE]

Imports leads from a CSV file with a header row, with the same validation, routing and dedupe as the API.
Columns (English or Chinese headers): external_id, name 姓名, phone 手机, email 邮箱, company 公司,
title 职位, region 地区, campaign 活动, note 备注, pool 线索池, tags 标签 (separated by ; or |),
utm_<key> (for example utm_source); any other column is kept under the lead's attributes.

Moving from another CRM (简道云, 纷享销客…):
  owner 负责人      the rep who holds the lead: an open_id (ou_…), an email or a mobile number, resolved
                    through the Lark directory. The lead arrives already claimed, with no card; each
                    owner gets one summary DM. Caps and cooldowns do not apply.
  created 创建时间  when the old system got the lead (2026-03-01, 2026-03-01 14:30, 2026/3/1 …, in the
  claimed 认领时间  configured time zone); the owner's claim date, default the created date.

--quiet (the default for files over 20 rows) posts no card per lead and starts no SLA reminders for the
leads left in a pool: their managers get one summary card and /pool lists them. --quiet=false posts a
card for each. Rows that fail go to the rejects file (FILE.rejected.csv by default, UTF-8 with BOM so Excel
opens it) with the reason in Chinese and English.

`

// quietThreshold: files with more rows than this import quietly unless --quiet=false. Forty cards and
// their reminders within minutes already bury a sales group.
const quietThreshold = 20

// optionalBool is a boolean flag that remembers whether it was given.
type optionalBool struct{ set, val bool }

func (b *optionalBool) String() string   { return strconv.FormatBool(b.val) }
func (b *optionalBool) IsBoolFlag() bool { return true }
func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	b.set, b.val = true, v
	return err
}

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("import", importHelp, stderr)
	source := fs.String("source", "", "source key the leads come from (required)")
	rejects := fs.String("rejects", "", "where to write rejected rows (default FILE.rejected.csv)")
	var quiet optionalBool
	fs.Var(&quiet, "quiet", fmt.Sprintf("no card per lead and no SLA reminders for pool leads (default true above %d rows)", quietThreshold))
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
	if !quiet.set {
		quiet.val = len(rows) > quietThreshold
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	imp := &importer{svc: a.svc, lark: a.lark, loc: a.cfg.Settings.Location, source: *source, quiet: quiet.val, progress: stderr}
	sum, err := imp.run(ctx, header, rows, *rejects)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d rows from %s: %d created (%d with their owner), %d touches of known customers, %d already imported, %d rejected\n",
		len(rows), file, sum.created, sum.owned, sum.touches, sum.exists, sum.rejected)
	if quiet.val {
		fmt.Fprintln(stdout, "quiet: no card per lead; leads waiting in a pool are listed by /pool")
	}
	imp.announce(ctx, stdout)
	if sum.rejected > 0 {
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
