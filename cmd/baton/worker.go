package main

import (
	"context"
	"time"

	"github.com/baton-crm/baton/crm"
)

// workerService adapts crm.Service to the jobs package's view of it.
type workerService struct{ *crm.Service }

// PostDigests and PostFeedbackSummary are the periodic roll-ups; the digest figures are not built yet, so
// the ticks are acknowledged without posting anything.
func (w workerService) PostDigests(ctx context.Context, now time.Time) error { return nil }

func (w workerService) PostFeedbackSummary(ctx context.Context, now time.Time) error { return nil }
