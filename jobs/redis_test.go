package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestOpenRedisUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := OpenRedis(ctx, "redis://:s3cret@127.0.0.1:1/0", testLogger(t))
	if err == nil {
		t.Fatal("OpenRedis succeeded against a closed port")
	}
	if !strings.Contains(err.Error(), "ping redis") {
		t.Errorf("error %q does not say the ping failed", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q leaks the password", err)
	}
}

func TestOpenRedisBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://127.0.0.1:6379", "redis://127.0.0.1:6379/notadb", "redis://:pw@[::1"} {
		_, err := OpenRedis(context.Background(), u, testLogger(t))
		if err == nil {
			t.Errorf("OpenRedis(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q leaks the password", err)
		}
	}
}

func TestEmbeddedRedisEndToEnd(t *testing.T) {
	ctx := context.Background()
	r, err := OpenRedis(ctx, "", testLogger(t))
	if err != nil {
		t.Fatalf("open embedded redis: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if !r.Embedded {
		t.Fatal("an empty URL must give the embedded Redis")
	}
	svc := newFakeService()
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	if err := s.SyncLead(ctx, 1, 1); err != nil {
		t.Fatalf("SyncLead: %v", err)
	}
	svc.wait(t, "SyncLead", 1, 5*time.Second)

	due := time.Now().Add(1200 * time.Millisecond)
	if err := s.WakeLead(ctx, 2, due, "remind"); err != nil {
		t.Fatalf("WakeLead: %v", err)
	}
	if c := svc.wait(t, "RunTimers", 2, 5*time.Second); c.at.Before(due) {
		t.Errorf("timers ran %v early", due.Sub(c.at))
	}

	// miniredis only expires keys when its clock moves; OpenRedis moves it with real time.
	if err := r.Client.Set(ctx, "baton:test:ttl", "1", 300*time.Millisecond).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	eventually(t, 3*time.Second, "the key to expire", func() bool {
		return errors.Is(r.Client.Get(ctx, "baton:test:ttl").Err(), redis.Nil)
	})
}
