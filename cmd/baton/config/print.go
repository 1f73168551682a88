package config

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

const redacted = "***"

// Fprint writes the effective configuration for `baton config check`: every value after defaults and
// ${VAR} expansion, with tokens, secrets, keys and URL passwords replaced by "***".
func (c *Config) Fprint(w io.Writer) {
	pr := &printer{w: w}
	pr.line(0, "environment:")
	pr.kv(1, "BATON_HTTP_ADDR", c.HTTPAddr)
	pr.kv(1, "BATON_DATABASE_URL", orNote(redactURL(c.DatabaseURL), "(embedded SQLite under BATON_DATA_DIR)"))
	pr.kv(1, "BATON_REDIS_URL", orNote(redactURL(c.RedisURL), "(in-process Redis)"))
	pr.kv(1, "BATON_CONFIG", orNote(c.ConfigPath, "(none; built-in defaults)"))
	pr.kv(1, "BATON_DATA_DIR", c.DataDir)
	pr.kv(1, "BATON_API_TOKEN", secret(c.APIToken))
	pr.kv(1, "BATON_LOG_LEVEL", c.LogLevel.String())
	pr.kv(1, "BATON_LOG_FORMAT", c.LogFormat)
	pr.kv(1, "BATON_AUTO_MIGRATE", fmt.Sprint(c.AutoMigrate))
	pr.kv(1, "BATON_ROLES", strings.Join(c.Roles, ","))
	pr.kv(1, "BATON_DATA_KEY", secret(string(c.DataKey)))
	if len(c.OldDataKeys) > 0 {
		pr.kv(1, "BATON_DATA_OLD_KEYS", fmt.Sprintf("%d retired key(s), %s", len(c.OldDataKeys), redacted))
	}
	pr.kv(1, "LARK_APP_ID", orNote(c.Lark.AppID, "(unset: built-in emulator and sandbox)"))
	pr.kv(1, "LARK_APP_SECRET", secret(c.Lark.AppSecret))
	pr.kv(1, "LARK_VERIFICATION_TOKEN", secret(c.Lark.VerificationToken))
	pr.kv(1, "LARK_ENCRYPT_KEY", secret(c.Lark.EncryptKey))
	pr.kv(1, "LARK_BASE_URL", redactURL(c.Lark.BaseURL))
	pr.kv(1, "LARK_EVENT_MODE", c.Lark.EventMode)
	if c.Lark.SendWindow > 0 {
		pr.kv(1, "LARK_SEND_WINDOW", c.Lark.SendWindow.String())
	}
	pr.settings(&c.Settings)
}

type printer struct{ w io.Writer }

func (p *printer) line(depth int, format string, args ...any) {
	fmt.Fprintf(p.w, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
}

func (p *printer) kv(depth int, key, value string) { p.line(depth, "%s: %s", key, value) }

func (p *printer) settings(s *crm.Settings) {
	p.line(0, "settings:")
	if s.Location != nil {
		p.kv(1, "timezone", s.Location.String())
	}
	if bh := s.BusinessHours; bh != nil {
		var days []string
		for d := time.Sunday; d <= time.Saturday; d++ {
			if bh.Days[d] {
				days = append(days, strings.ToLower(d.String()[:3]))
			}
		}
		p.line(1, "business_hours: {days: [%s], start: %q, end: %q, holidays: [%s], workdays: [%s]}",
			strings.Join(days, ", "), clock(bh.Start), clock(bh.End), dateList(bh.Holidays), dateList(bh.Workdays))
	} else {
		p.kv(1, "business_hours", "none (SLA steps count wall time)")
	}
	p.line(1, "sources:")
	for _, src := range s.Sources {
		if src.Pull != nil {
			p.line(2, "- {key: %s, %s}", src.Key, printPull(src.Pull))
			continue
		}
		if src.Kind != "" {
			skew := ""
			if src.Kind == crm.KindJiandaoyun {
				skew = ", max_skew: 5m"
				if src.MaxSkew > 0 {
					skew = ", max_skew: " + formatDuration(src.MaxSkew)
				}
			}
			p.line(2, "- {key: %s, kind: %s, token: %s, secret: %s, rate_limit: %g, dedupe_window: %s%s, fields: {%s}}", src.Key, src.Kind,
				secret(src.Token), secret(src.Secret), src.RateLimit, formatDuration(src.DedupeWindow), skew, fieldMaps(src.Fields))
			continue
		}
		p.line(2, "- {key: %s, token: %s, secret: %s, rate_limit: %g}", src.Key, secret(src.Token), secret(src.Secret), src.RateLimit)
	}
	p.line(1, "pools:")
	for i := range s.Pools {
		p.pool(&s.Pools[i])
	}
	p.line(1, "routing:")
	for _, r := range s.Routing {
		var match []string
		for _, kv := range [][2]string{{"source", r.Source}, {"campaign", r.Campaign}, {"region", r.Region}} {
			if kv[1] != "" {
				match = append(match, fmt.Sprintf("%s: %q", kv[0], kv[1]))
			}
		}
		if len(r.Tags) > 0 {
			match = append(match, fmt.Sprintf("tags: [%s]", strings.Join(r.Tags, ", ")))
		}
		if len(r.Grades) > 0 {
			match = append(match, fmt.Sprintf("grade: [%s]", strings.Join(r.Grades, ", ")))
		}
		if len(match) == 0 {
			p.line(2, "- {pool: %s}  # default", r.Pool)
			continue
		}
		p.line(2, "- {match: {%s}, pool: %s}", strings.Join(match, ", "), r.Pool)
	}
	p.grading(s.Grading)
	p.line(1, "ops_channels: [%s]", strings.Join(s.OpsChannels, ", "))
	p.line(1, "digest: {cron: %q, to: [%s]}", s.Digest.Cron, strings.Join(s.Digest.To, ", "))
	p.line(1, "feedback_summary: {cron: %q, to: [%s]}", s.FeedbackSummary.Cron, strings.Join(s.FeedbackSummary.To, ", "))
	if s.Language != "" {
		p.line(1, "language: %s", s.Language)
	}
	if s.Tasks.Enabled {
		p.line(1, "tasks: {enabled: true, link: %q, check_every: %s}", s.Tasks.Link, s.Tasks.CheckEvery)
	}
}

func (p *printer) pool(pl *crm.Pool) {
	p.line(2, "- key: %s", pl.Key)
	p.line(3, "name: %s", pl.Name)
	p.line(3, "chat_id: %s", pl.ChatID)
	p.line(3, "mode: %s", pl.Mode)
	p.line(3, "self_sourced: %s", pl.SelfSourced)
	p.line(3, "managers: [%s]", strings.Join(pl.Managers, ", "))
	p.line(3, "members: [%s]", strings.Join(pl.Members, ", "))
	if len(pl.Departments) > 0 {
		p.line(3, "members_from: {departments: [%s]}", strings.Join(pl.Departments, ", "))
		p.line(3, "on_leave: %s", cmpOr(string(pl.OnLeave), string(crm.OnLeaveManagers)))
	}
	if len(pl.Weights) > 0 {
		ids := make([]string, 0, len(pl.Weights))
		for id := range pl.Weights {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprintf("%s: %d", id, pl.Weights[id])
		}
		p.line(3, "weights: {%s}", strings.Join(parts, ", "))
	}
	p.line(3, "limits: {open: %d, daily_claims: %d}", pl.Limits.Open, pl.Limits.DailyClaims)
	p.line(3, "cooldown: %s", formatDuration(pl.Cooldown))
	p.line(3, "board_after: %d", pl.BoardsAfter())
	p.line(3, "board_gather: %s", formatDuration(pl.BoardsGather()))
	pr := pl.Protection
	p.line(3, "protection: {default: %s, extend_on_activity: %s, max: %s, warn_before: %s}",
		formatDuration(pr.Default), formatDuration(pr.ExtendOnActivity), formatDuration(pr.Max), formatDuration(pr.WarnBefore))
	p.line(3, "sla:")
	p.line(4, "unclaimed: [%s]", steps(pl.SLA.Unclaimed))
	p.line(4, "first_contact: [%s]", steps(pl.SLA.FirstContact))
	p.slaByGrade(pl.SLA.ByGrade)
}

func steps(list []crm.SLAStep) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = fmt.Sprintf("{after: %s, do: %s}", formatDuration(s.After), s.Action)
	}
	return strings.Join(parts, ", ")
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func dateList(m map[string]bool) string {
	dates := make([]string, 0, len(m))
	for d := range m {
		dates = append(dates, d)
	}
	sort.Strings(dates)
	return strings.Join(dates, ", ")
}

func secret(s string) string {
	if s == "" {
		return "(unset)"
	}
	return redacted
}

func orNote(s, note string) string {
	if s == "" {
		return note
	}
	return s
}

// sensitiveParam reports query parameters that carry credentials in connection URLs
// (postgres' password and sslpassword, tokens and keys in general).
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, word := range []string{"pass", "secret", "token", "key"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// redactURL hides the password in the user info and credential-like query parameters. A URL that does
// not parse is hidden whole: there is no telling where its password is.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "PASSWORD")
		}
	}
	q := u.Query()
	for name := range q {
		if sensitiveParam(name) {
			q[name] = []string{"PASSWORD"}
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	// Substituting a placeholder and replacing it afterwards keeps url.URL from escaping the asterisks.
	return strings.ReplaceAll(u.String(), "PASSWORD", redacted)
}

func fieldMaps(fs []crm.FieldMap) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Field + ": " + f.Path
	}
	return strings.Join(parts, ", ")
}
