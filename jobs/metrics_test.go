package jobs

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestQueueCollectorReportsPendingTask(t *testing.T) {
	r := MustRedis(t)
	if err := NewScheduler(mustClient(t, r), testLogger(t), nil).SyncLead(context.Background(), 3, 1); err != nil {
		t.Fatalf("SyncLead: %v", err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewQueueCollector(r))
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "baton_queue_tasks" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["queue"]+"/"+labels["state"]] = m.GetGauge().GetValue()
		}
	}
	if got["critical/pending"] != 1 {
		t.Errorf("critical/pending = %v, want 1 (all: %v)", got["critical/pending"], got)
	}
	if v, ok := got["low/pending"]; !ok || v != 0 {
		t.Errorf("low/pending = %v (present %v), want a zero for an unused queue", v, ok)
	}
	if len(got) != 15 {
		t.Errorf("%d series, want 15 (3 queues × 5 states)", len(got))
	}
}
