package larktest

import (
	"net/http"
	"strconv"
	"time"
)

// Lark's published limits: 5/s per chat, per user and per message update; 50/s and 1000/min per app.
const (
	perTargetPerSecond = 5
	appPerSecond       = 50
	appPerMinute       = 1000
)

// limiter keeps sliding windows of admitted request times. Sliding logs rather than token buckets make the
// outcome of a burst exact, so tests can predict which call is refused.
type limiter struct {
	app     []time.Time            // last minute of admitted app calls
	targets map[string][]time.Time // "chat:oc_…", "user:ou_…", "msg:om_…" → last second
}

func (l *limiter) init() { l.targets = make(map[string][]time.Time) }

func prune(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

// EnforceRateLimits turns Lark's rate limits on or off (off by default, so ordinary tests never trip them).
func (s *Server) EnforceRateLimits(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.enforce = on
	s.st.rl.init()
	s.st.rl.app = nil
}

// RateLimited counts calls refused with a rate-limit code (enforced or injected).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.rateLimited
}

// appLimitLocked admits a call under the app-wide limits, or fills rep with Lark's 429 and returns false.
func (s *Server) appLimitLocked(rep *reply) bool {
	now := s.st.now()
	l := &s.st.rl
	l.app = prune(l.app, now.Add(-time.Minute))
	inLastSecond := len(prune(l.app, now.Add(-time.Second)))
	switch {
	case inLastSecond >= appPerSecond:
		*rep = appLimited(appPerSecond, 1)
		return false
	case len(l.app) >= appPerMinute:
		reset := int(l.app[0].Add(time.Minute).Sub(now)/time.Second) + 1
		*rep = appLimited(appPerMinute, reset)
		return false
	}
	l.app = append(l.app, now)
	return true
}

func appLimited(limit, resetSeconds int) reply {
	rep := fail(http.StatusTooManyRequests, CodeRateLimited, "request trigger frequency limit")
	rep.header = http.Header{
		"X-Ogw-Ratelimit-Limit": {strconv.Itoa(limit)},
		"X-Ogw-Ratelimit-Reset": {strconv.Itoa(resetSeconds)},
	}
	return rep
}

// targetLimitLocked admits one operation on each key (all or nothing) or returns Lark's 230020 reply.
func (s *Server) targetLimitLocked(keys ...string) (reply, bool) {
	if !s.st.enforce {
		return reply{}, true
	}
	now := s.st.now()
	l := &s.st.rl
	for _, k := range keys {
		l.targets[k] = prune(l.targets[k], now.Add(-time.Second))
		if len(l.targets[k]) >= perTargetPerSecond {
			return bad(CodeIMRateLimited, "The request you send is too frequent, please try again later."), false
		}
	}
	for _, k := range keys {
		l.targets[k] = append(l.targets[k], now)
	}
	return reply{}, true
}

type fault struct {
	n, status, code int
}

// FailNext makes the next n calls of route (a Route constant, or RouteAny) fail with the HTTP status and
// Lark code. A 99991400 fault carries the rate-limit headers; a 504 becomes the SDK's ServerTimeoutError.
// n ≤ 0 clears the fault.
func (s *Server) FailNext(route string, n, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.st.faults, route)
		return
	}
	s.st.faults[route] = &fault{n: n, status: status, code: code}
}

// takeFaultLocked consumes a pending fault for route, filling rep.
func (s *Server) takeFaultLocked(route string, rep *reply) bool {
	f := s.st.faults[route]
	if f == nil || f.n <= 0 {
		f = s.st.faults[RouteAny]
	}
	if f == nil || f.n <= 0 {
		return false
	}
	f.n--
	if f.code == CodeRateLimited {
		*rep = appLimited(appPerSecond, 1)
		rep.status = f.status
		return true
	}
	*rep = fail(f.status, f.code, "larktest: injected fault")
	return true
}
