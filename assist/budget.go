package assist

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/crm"
)

// Budget counts model requests per day.
type Budget interface {
	// Take counts one request on day ("2006-01-02") and returns ErrAssistBudget once more than limit were
	// taken that day.
	Take(ctx context.Context, day string, limit int) error
}

// RedisBudget keeps the daily count in Redis, shared by every replica and kept across restarts.
type RedisBudget struct {
	Client redis.UniversalClient
}

// budgetTTL keeps a day's count a little past the day in any time zone.
const budgetTTL = 48 * time.Hour

// Take implements Budget.
func (b RedisBudget) Take(ctx context.Context, day string, limit int) error {
	key := "baton:assist:budget:" + day
	n, err := b.Client.Incr(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("assist budget: %w", err)
	}
	if n == 1 {
		if err := b.Client.Expire(ctx, key, budgetTTL).Err(); err != nil {
			return fmt.Errorf("assist budget: %w", err)
		}
	}
	if n > int64(limit) {
		return crm.ErrAssistBudget
	}
	return nil
}
