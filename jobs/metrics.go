package jobs

import (
	"fmt"
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

var queueTasksDesc = prometheus.NewDesc("baton_queue_tasks",
	"Tasks in each asynq queue by state.", []string{"queue", "state"}, nil)

// queueCollector reads queue depths from Redis at scrape time, so every replica reports the same shared
// numbers without keeping counters of its own.
type queueCollector struct{ in *asynq.Inspector }

// NewQueueCollector returns a collector of baton_queue_tasks{queue,state} for the pending, active,
// scheduled, retry and archived tasks of Baton's queues.
func NewQueueCollector(r *Redis) prometheus.Collector {
	return queueCollector{in: asynq.NewInspectorFromRedisClient(r.Client)}
}

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueTasksDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	found, err := c.in.Queues()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueTasksDesc, fmt.Errorf("list queues: %w", err))
		return
	}
	for _, q := range []string{QueueCritical, QueueDefault, QueueLow} {
		if !slices.Contains(found, q) {
			emitQueue(ch, q, &asynq.QueueInfo{}) // a queue that never held a task reports zeros
		}
	}
	for _, q := range found {
		info, err := c.in.GetQueueInfo(q)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(queueTasksDesc, fmt.Errorf("inspect queue %s: %w", q, err))
			continue
		}
		emitQueue(ch, q, info)
	}
}

func emitQueue(ch chan<- prometheus.Metric, q string, info *asynq.QueueInfo) {
	for state, n := range map[string]int{
		"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
		"retry": info.Retry, "archived": info.Archived,
	} {
		ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(n), q, state)
	}
}
