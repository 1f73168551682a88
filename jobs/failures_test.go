package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/baton-crm/baton/crm"
)

// TestFailuresTrackAndClear: failed attempts accumulate per event, /readyz's probe names the target and
// Lark's code once an event reached the threshold, the gauge counts failing notifications by code, and a
// delivery clears the record.
func TestFailuresTrackAndClear(t *testing.T) {
	r := MustRedis(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := NewFailures(r, func() time.Time { return now })
	ctx := context.Background()
	in := crm.DeliveryFailure{EventID: 7, LeadID: 3, Pool: "east", Kind: crm.EventEscalated,
		Target: "dm:ou_mgr", Code: "99991672", Last: now}
	for i := 1; i <= 2; i++ {
		got, err := f.Failed(ctx, in)
		if err != nil || got.Attempts != i || !got.Since.Equal(now) {
			t.Fatalf("attempt %d: %+v, %v", i, got, err)
		}
	}
	probe := f.ReadyProbe(2)
	err := probe(ctx)
	if err == nil || !strings.Contains(err.Error(), "dm:ou_mgr") || !strings.Contains(err.Error(), "99991672") {
		t.Fatalf("probe = %v, want the target and code", err)
	}
	if err := f.ReadyProbe(3)(ctx); err != nil {
		t.Errorf("probe below its threshold = %v, want nil", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewFailuresCollector(f))
	mfs, err := reg.Gather()
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "baton_lark_notifications_failing" && len(mf.GetMetric()) == 1 &&
			mf.GetMetric()[0].GetGauge().GetValue() == 1 && mf.GetMetric()[0].GetLabel()[0].GetValue() == "99991672" {
			found = true
		}
	}
	if err != nil || !found {
		t.Errorf("no baton_lark_notifications_failing{code=\"99991672\"} 1 in %v (%v)", mfs, err)
	}
	if err := f.Alerted(ctx, 7); err != nil {
		t.Fatal(err)
	}
	got, had, err := f.Delivered(ctx, 7)
	if err != nil || !had || !got.Alerted || got.Attempts != 2 {
		t.Fatalf("Delivered = %+v, %v, %v", got, had, err)
	}
	if err := probe(ctx); err != nil {
		t.Errorf("probe after delivery = %v, want nil", err)
	}
	if _, had, _ := f.Delivered(ctx, 7); had {
		t.Error("a delivered event is still recorded")
	}
}
