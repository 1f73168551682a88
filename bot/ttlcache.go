package bot

import (
	"sync"
	"time"
)

// ttlCache is a small in-process map whose entries expire; when full it drops expired entries, then
// everything (lookups are cheap to repeat, unbounded growth is not).
type ttlCache[V any] struct {
	mu   sync.Mutex
	ttl  time.Duration
	max  int
	data map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
}

func newTTLCache[V any](ttl time.Duration, maxEntries int) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, max: maxEntries, data: make(map[string]ttlEntry[V])}
}

func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.data[key]
	if !ok || time.Now().After(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) set(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.data) >= c.max {
		for k, e := range c.data {
			if now.After(e.exp) {
				delete(c.data, k)
			}
		}
		if len(c.data) >= c.max {
			clear(c.data)
		}
	}
	c.data[key] = ttlEntry[V]{v: v, exp: now.Add(c.ttl)}
}
