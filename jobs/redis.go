package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis is the connection asynq and Baton's own Redis users share: a real server, or an in-process one when
// no URL is configured.
type Redis struct {
	Opt      asynq.RedisConnOpt    // for asynq constructors that want options
	Client   redis.UniversalClient // shared client; closed by Close
	Embedded bool                  // true when Redis runs in this process (miniredis)

	mini *miniredis.Miniredis
	stop chan struct{}
	wg   sync.WaitGroup
}

// embeddedTick is how often the embedded Redis's clock is moved forward; miniredis only expires keys when
// told that time has passed.
const embeddedTick = 100 * time.Millisecond

// OpenRedis connects to the Redis at url and pings it. url may be redis://, rediss://, redis-socket://,
// redis-sentinel:// (asynq's syntax: redis-sentinel://[:password@]host1:port1,host2:port2?master=name) or
// redis-cluster://host1:port1?addr=host2:port2. An empty url starts an in-process Redis, fine for trying
// Baton out but lost on every restart, so it is logged loudly.
func OpenRedis(ctx context.Context, rawURL string, logger *slog.Logger) (*Redis, error) {
	logger = orDefault(logger)
	quietRedisLogs(logger)
	if rawURL == "" {
		return openEmbedded(ctx, logger)
	}
	r, err := dial(rawURL)
	if err != nil {
		return nil, err
	}
	if err := r.Client.Ping(ctx).Err(); err != nil {
		_ = r.Client.Close()
		return nil, fmt.Errorf("ping redis at %s: %w", redactURL(rawURL), err)
	}
	return r, nil
}

func dial(rawURL string) (*Redis, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote the input, which may hold a password.
		return nil, errors.New("parse redis url: malformed url")
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse redis url %s: %w", redactURL(rawURL), err)
		}
		// Without this go-redis ignores context deadlines, and a hung Redis would hold every request that
		// enqueues a wake-up for the full read timeout.
		o.ContextTimeoutEnabled = true
		return &Redis{
			Client: redis.NewClient(o),
			Opt: asynq.RedisClientOpt{
				Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB,
				DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
				PoolSize: o.PoolSize, TLSConfig: o.TLSConfig,
			},
		}, nil
	case "redis-cluster":
		u.Scheme = "redis"
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("parse redis cluster url %s: %w", redactURL(rawURL), err)
		}
		o.ContextTimeoutEnabled = true
		return &Redis{
			Client: redis.NewClusterClient(o),
			Opt: asynq.RedisClusterClientOpt{
				Addrs: o.Addrs, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
				DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			},
		}, nil
	default:
		opt, err := asynq.ParseRedisURI(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse redis url %s: %w", redactURL(rawURL), err)
		}
		c, ok := opt.MakeRedisClient().(redis.UniversalClient)
		if !ok {
			return nil, fmt.Errorf("open redis %s: unsupported connection type %T", redactURL(rawURL), opt)
		}
		return &Redis{Client: c, Opt: opt}, nil
	}
}

func openEmbedded(ctx context.Context, logger *slog.Logger) (*Redis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	r := &Redis{
		Opt:      asynq.RedisClientOpt{Addr: m.Addr()},
		Client:   redis.NewClient(&redis.Options{Addr: m.Addr()}),
		Embedded: true,
		mini:     m,
		stop:     make(chan struct{}),
	}
	r.wg.Add(1)
	go r.advanceClock()
	if err := r.Client.Ping(ctx).Err(); err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("ping embedded redis: %w", err)
	}
	logger.Warn("BATON_REDIS_URL is not set: using an in-process Redis; queued jobs are lost on restart and replicas cannot share it",
		"addr", m.Addr())
	return r, nil
}

// advanceClock moves miniredis's clock with real time so TTLs (Unique locks, dedupe keys) expire.
func (r *Redis) advanceClock() {
	defer r.wg.Done()
	t := time.NewTicker(embeddedTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.mini.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Close closes the client and, when embedded, stops the in-process server.
func (r *Redis) Close() error {
	err := r.Client.Close()
	if r.mini != nil {
		close(r.stop)
		r.wg.Wait()
		r.mini.Close()
	}
	if err != nil {
		return fmt.Errorf("close redis: %w", err)
	}
	return nil
}

// redactURL drops the user info so errors never carry a password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(malformed url)"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	return strings.TrimSuffix(u.String(), "?")
}
