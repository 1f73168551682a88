package larktest

import (
	"net/http"
	"strconv"
	"time"
)

// Lark limits each API on its own, per app and tenant: every API page states its tier under "接口频率限制",
// and a call over it is answered HTTP 429, code 99991400, with x-ogw-ratelimit-limit and
// x-ogw-ratelimit-reset (seconds) headers. Source: https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
// (tiers: "1000 次/分钟、50 次/秒" is tier 4; "50 次/秒" tier 9).
type apiTier struct {
	perSecond, perMinute int // 0: no limit of that length
}

// tier4 is "1000 次/分钟、50 次/秒".
var tier4 = apiTier{perSecond: 50, perMinute: 1000}

// apiTiers are the tiers of the routes the emulator serves, each from its API page.
var apiTiers = map[string]apiTier{
	// https://open.feishu.cn/document/server-docs/im-v1/message/create: 1000 次/分钟、50 次/秒
	RouteCreateMessage: tier4,
	// https://open.feishu.cn/document/server-docs/im-v1/message/reply: 1000 次/分钟、50 次/秒
	RouteReplyMessage: tier4,
	// https://open.feishu.cn/document/server-docs/im-v1/message/patch: 1000 次/分钟、50 次/秒
	RoutePatchMessage: tier4,
	// https://open.feishu.cn/document/server-docs/im-v1/message/get: 1000 次/分钟、50 次/秒
	RouteGetMessage: tier4,
	// https://open.feishu.cn/document/server-docs/im-v1/buzz-messages/urgent_app: "默认接口限流为50 QPS" (the SDK's
	// comment on UrgentApp, service/im/v1/resource.go)
	RouteUrgentApp: {perSecond: 50},
	// https://open.feishu.cn/document/ukTMukTMukTM/uMDO1YjLzgTN24yM4UjN (delayed card update): 1000 次/分钟、50 次/秒
	RouteCardUpdate: tier4,
	// https://open.feishu.cn/document/server-docs/contact-v3/user/get: 1000 次/分钟、50 次/秒
	RouteGetUser: tier4,
	// https://open.feishu.cn/document/server-docs/group/chat/get: 1000 次/分钟、50 次/秒
	RouteGetChat: tier4,
	// https://open.feishu.cn/document/server-docs/group/chat-member/get: 1000 次/分钟、50 次/秒
	RouteGetChatMembers: tier4,
	// bot/v3/info documents no tier; the emulator assumes the IM APIs' tier.
	RouteBotInfo: tier4,
}

// Per-target IM limits, answered 230020 "This operation triggers the frequency limit" (HTTP 400), from the
// error tables of the same pages:
//   - message/create: "向同一用户发送消息的限频为 5 QPS、向同一群组发送消息的限频为群内机器人共享 5 QPS";
//     message/reply: a reply is a message in the parent's chat and counts against the chat's 5 QPS;
//   - message/patch: "单条消息更新频控为5QPS" (the page, and the SDK's comment on Patch, service/im/v1/resource.go); the emulator
//     applies the same per-message limit to delayed card updates, whose page does not state one.
const perTargetPerSecond = 5

// limiter keeps sliding windows of admitted request times. Sliding logs rather than token buckets make the
// outcome of a burst exact, so tests can predict which call is refused.
type limiter struct {
	apis    map[string][]time.Time // route → last minute of admitted calls
	targets map[string][]time.Time // "chat:oc_…", "user:ou_…", "msg:om_…" → last second
}

func (l *limiter) init() {
	l.apis = make(map[string][]time.Time)
	l.targets = make(map[string][]time.Time)
}

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
}

// RateLimited counts calls refused with a rate-limit code (enforced or injected).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.rateLimited
}

// apiLimitLocked admits a call of route under that API's own tier, or fills rep with Lark's 429 and returns
// false. Routes without a documented tier are not limited.
func (s *Server) apiLimitLocked(route string, rep *reply) bool {
	t, limited := apiTiers[route]
	if !limited {
		return true
	}
	now := s.st.now()
	l := &s.st.rl
	calls := prune(l.apis[route], now.Add(-time.Minute))
	inLastSecond := prune(calls, now.Add(-time.Second))
	switch {
	case t.perSecond > 0 && len(inLastSecond) >= t.perSecond:
		*rep = appLimited(t.perSecond, 1)
		l.apis[route] = calls
		return false
	case t.perMinute > 0 && len(calls) >= t.perMinute:
		reset := int(calls[0].Add(time.Minute).Sub(now)/time.Second) + 1
		*rep = appLimited(t.perMinute, reset)
		l.apis[route] = calls
		return false
	}
	l.apis[route] = append(calls, now)
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
		*rep = appLimited(tier4.perSecond, 1)
		rep.status = f.status
		return true
	}
	*rep = fail(f.status, f.code, "larktest: injected fault")
	return true
}
