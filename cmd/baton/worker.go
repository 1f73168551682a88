package main

import (
	"context"
	"time"

	"github.com/baton-crm/baton/crm"
)

// workerService adapts crm.Service to the jobs package's view of it.
type workerService struct{ *crm.Service }

// PostDigests posts the weekly digests of the last complete week before now (the digest cron's tick).
func (w workerService) PostDigests(ctx context.Context, now time.Time) error {
	return w.Service.PostDigests(ctx, now)
}

// PostFeedbackSummary posts the sales → ops quality roll-up when sales said something new (the
// feedback_summary cron's tick).
func (w workerService) PostFeedbackSummary(ctx context.Context, now time.Time) error {
	return w.Service.PostFeedbackSummary(ctx, now)
}
