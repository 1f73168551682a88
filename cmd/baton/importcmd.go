package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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

const importHelp = `Usage: baton import FILE.csv|FILE.xlsx --source KEY [--quiet[=false]] [--rejects FILE]
       [--sheet NAME] [--encoding utf-8|gbk] [--map FILE] [--dry-run]

Imports leads from a CSV or Excel (.xlsx) file with a header row, with the same validation, routing and
dedupe as the API. CSV may be UTF-8 (with or without a byte-order mark) or GBK, as Excel on a Chinese
Windows saves it; the encoding is detected, --encoding overrides it. An .xlsx file is read from its first
sheet (--sheet NAME for another), cells as Excel shows them.
Columns (English or Chinese headers): external_id, name 姓名, phone 手机, email 邮箱, company 公司,
title 职位, region 地区, campaign 活动, note 备注, pool 线索池, tags 标签 (separated by ; or |),
utm_<key> (for example utm_source), custom fields by key or label (budget or 预算; --map may name
fields.<key>); any other column is kept under the lead's attributes.

--map FILE (JSON or YAML) maps other headers to these fields, e.g. {"客户手机": "phone", "渠道": "utm_source"}.

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

--dry-run stores nothing: it shows the first 10 rows mapped, every problem it can find without the
database (bad phones, dates, unknown owners…) and the totals; it exits 1 when a row has a problem.

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
	sheet := fs.String("sheet", "", "the .xlsx sheet to read (default the first)")
	encoding := fs.String("encoding", "", "CSV encoding, utf-8 or gbk (default detected)")
	mapFile := fs.String("map", "", "JSON or YAML file mapping the file's headers to Baton fields")
	dry := fs.Bool("dry-run", false, "preview the rows mapped and every problem; store nothing")
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
		*rejects = strings.TrimSuffix(strings.TrimSuffix(file, ".csv"), ".xlsx") + ".rejected.csv"
	}
	rows, header, err := readTable(file, *sheet, *encoding)
	if err != nil {
		return err
	}
	var columns map[string]string
	if *mapFile != "" {
		if columns, err = readHeaderMap(*mapFile); err != nil {
			return err
		}
	}
	if *dry {
		return previewImport(ctx, getenv, *source, columns, header, rows, stdout)
	}
	if !quiet.set {
		quiet.val = len(rows) > quietThreshold
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	imp := &importer{svc: a.svc, lark: a.lark, loc: a.cfg.Settings.Location, source: *source, quiet: quiet.val, columns: columns, progress: stderr}
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

// previewImport is --dry-run: the configuration and, when an app is configured, the Lark directory for
// owners; no database.
func previewImport(ctx context.Context, getenv func(string) string, source string, columns map[string]string, header []string, rows [][]string, stdout io.Writer) error {
	cfg, _, err := loadConfig(getenv, false)
	if err != nil {
		return err
	}
	var lark *bot.Client
	if cfg.Lark.AppID != "" {
		if lark, err = bot.NewClient(bot.Config{AppID: cfg.Lark.AppID, AppSecret: cfg.Lark.AppSecret, BaseURL: cfg.Lark.BaseURL, Logger: newLogger(cfg, io.Discard)}); err != nil {
			return err
		}
	}
	return dryRun(ctx, &cfg.Settings, lark, source, columns, header, rows, (*Hooks)(nil).now()(), stdout)
}
