package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/crm"
)

// Redis keys of the failing-notification records: one hash of event id → JSON record, one hash of Lark code
// → failed attempts ever. Shared by every replica, so /readyz and /metrics agree wherever they are asked.
const (
	failingKey       = "baton:delivery:failing"
	failureTotalsKey = "baton:delivery:failures_total"
	// failingForget drops a record nobody touched for this long: its lead was erased or its event handled
	// some other way. A notification still failing is retried (and its record touched) far more often.
	failingForget = 24 * time.Hour
)

// Failures keeps crm's failing notifications in Redis.
type Failures struct {
	rdb redis.UniversalClient
	now func() time.Time
}

var _ crm.Failures = (*Failures)(nil)

// NewFailures returns the Redis-backed crm.Failures; now is the injected clock (nil: time.Now).
func NewFailures(r *Redis, now func() time.Time) *Failures {
	if now == nil {
		now = time.Now
	}
	return &Failures{rdb: r.Client, now: now}
}

type failureRecord struct {
	Event    int64  `json:"event"`
	Lead     int64  `json:"lead"`
	Pool     string `json:"pool"`
	Kind     string `json:"kind"`
	Target   string `json:"target"`
	Code     string `json:"code"`
	Since    int64  `json:"since"` // unix ms
	Last     int64  `json:"last"`
	Attempts int    `json:"attempts"`
	Alerted  bool   `json:"alerted"`
}

func (r failureRecord) failure() crm.DeliveryFailure {
	return crm.DeliveryFailure{EventID: r.Event, LeadID: r.Lead, Pool: r.Pool, Kind: crm.EventKind(r.Kind),
		Target: r.Target, Code: r.Code, Since: time.UnixMilli(r.Since), Last: time.UnixMilli(r.Last),
		Attempts: r.Attempts, Alerted: r.Alerted}
}

func (f *Failures) get(ctx context.Context, eventID int64) (failureRecord, bool, error) {
	var rec failureRecord
	raw, err := f.rdb.HGet(ctx, failingKey, strconv.FormatInt(eventID, 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("read failing notification %d: %w", eventID, err)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, false, fmt.Errorf("decode failing notification %d: %w", eventID, err)
	}
	return rec, true, nil
}

func (f *Failures) put(ctx context.Context, rec failureRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode failing notification: %w", err)
	}
	if err := f.rdb.HSet(ctx, failingKey, strconv.FormatInt(rec.Event, 10), b).Err(); err != nil {
		return fmt.Errorf("store failing notification %d: %w", rec.Event, err)
	}
	return nil
}

// Failed records one more failed attempt. One lead is synced by one worker at a time (the sync lock), so
// the read-modify-write of its events' records does not race.
func (f *Failures) Failed(ctx context.Context, in crm.DeliveryFailure) (crm.DeliveryFailure, error) {
	rec, _, err := f.get(ctx, in.EventID)
	if err != nil {
		return in, err
	}
	now := f.now()
	if in.Last.IsZero() {
		in.Last = now
	}
	if rec.Since == 0 {
		rec.Since = in.Last.UnixMilli()
	}
	rec.Event, rec.Lead, rec.Pool, rec.Kind = in.EventID, in.LeadID, in.Pool, string(in.Kind)
	rec.Target, rec.Code, rec.Last = in.Target, in.Code, in.Last.UnixMilli()
	rec.Attempts++
	if err := f.put(ctx, rec); err != nil {
		return in, err
	}
	if err := f.rdb.HIncrBy(ctx, failureTotalsKey, in.Code, 1).Err(); err != nil {
		return rec.failure(), fmt.Errorf("count failed notification: %w", err)
	}
	return rec.failure(), nil
}

// Delivered forgets the event and returns its record, if there was one.
func (f *Failures) Delivered(ctx context.Context, eventID int64) (crm.DeliveryFailure, bool, error) {
	rec, had, err := f.get(ctx, eventID)
	if err != nil || !had {
		return crm.DeliveryFailure{}, false, err
	}
	if err := f.rdb.HDel(ctx, failingKey, strconv.FormatInt(eventID, 10)).Err(); err != nil {
		return rec.failure(), true, fmt.Errorf("clear failing notification %d: %w", eventID, err)
	}
	return rec.failure(), true, nil
}

// Alerted marks the event's managers as told.
func (f *Failures) Alerted(ctx context.Context, eventID int64) error {
	rec, had, err := f.get(ctx, eventID)
	if err != nil || !had {
		return err
	}
	rec.Alerted = true
	return f.put(ctx, rec)
}

// Failing lists the recorded failures, oldest first, dropping records untouched for a day.
func (f *Failures) Failing(ctx context.Context) ([]crm.DeliveryFailure, error) {
	all, err := f.rdb.HGetAll(ctx, failingKey).Result()
	if err != nil {
		return nil, fmt.Errorf("list failing notifications: %w", err)
	}
	cutoff := f.now().Add(-failingForget).UnixMilli()
	var out []crm.DeliveryFailure
	for field, raw := range all {
		var rec failureRecord
		if json.Unmarshal([]byte(raw), &rec) != nil || rec.Last < cutoff {
			f.rdb.HDel(ctx, failingKey, field)
			continue
		}
		out = append(out, rec.failure())
	}
	slices.SortFunc(out, func(a, b crm.DeliveryFailure) int { return a.Since.Compare(b.Since) })
	return out, nil
}

// ReadyProbe fails, naming the chat (or DM) and Lark's code of each notification that has failed at least
// alertAfter times, so /readyz reports Baton degraded. Only ids and codes: no personal data.
func (f *Failures) ReadyProbe(alertAfter int) func(ctx context.Context) error {
	if alertAfter <= 0 {
		alertAfter = crm.DefaultAlertAfter
	}
	return func(ctx context.Context) error {
		all, err := f.Failing(ctx)
		if err != nil {
			return err
		}
		var errs []error
		for _, x := range all {
			if x.Attempts >= alertAfter {
				errs = append(errs, fmt.Errorf("%s lead %d event %d: lark code %s, %d attempts since %s",
					x.Target, x.LeadID, x.EventID, x.Code, x.Attempts, x.Since.UTC().Format(time.RFC3339)))
			}
		}
		return errors.Join(errs...)
	}
}

var (
	failingDesc = prometheus.NewDesc("baton_lark_notifications_failing",
		"Notifications Lark keeps refusing (still retried), by Lark code.", []string{"code"}, nil)
	failedTotalDesc = prometheus.NewDesc("baton_lark_notification_failures_total",
		"Failed notification attempts, by Lark code, across all replicas.", []string{"code"}, nil)
)

// failuresCollector reads the failing notifications from Redis at scrape time.
type failuresCollector struct{ f *Failures }

// NewFailuresCollector returns a collector of baton_lark_notifications_failing{code} and
// baton_lark_notification_failures_total{code}.
func NewFailuresCollector(f *Failures) prometheus.Collector { return failuresCollector{f} }

func (c failuresCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- failingDesc
	ch <- failedTotalDesc
}

func (c failuresCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	all, err := c.f.Failing(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(failingDesc, err)
		return
	}
	byCode := map[string]int{}
	for _, x := range all {
		byCode[x.Code]++
	}
	for code, n := range byCode {
		ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, float64(n), code)
	}
	totals, err := c.f.rdb.HGetAll(ctx, failureTotalsKey).Result()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(failedTotalDesc, err)
		return
	}
	for code, v := range totals {
		n, _ := strconv.ParseFloat(v, 64)
		ch <- prometheus.MustNewConstMetric(failedTotalDesc, prometheus.CounterValue, n, code)
	}
}
