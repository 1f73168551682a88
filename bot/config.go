package bot

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// FeishuBaseURL is the Open Platform of Feishu (China); Lark's international platform is
// https://open.larksuite.com.
const FeishuBaseURL = "https://open.feishu.cn"

// Config configures a Client.
type Config struct {
	AppID, AppSecret string
	BaseURL          string                // FeishuBaseURL when empty; the emulator's URL in tests
	Timeout          time.Duration         // per HTTP request; 10s when zero
	Redis            redis.UniversalClient // optional: shared limiter and token cache; nil paces in process
	Logger           *slog.Logger          // slog.Default() when nil
	Limits           Limits                // zero fields take DefaultLimits
	// NameMissTTL is how long a failed user-name look-up is remembered (41050 for a user outside the app's
	// contact range answers the same until an admin widens the range); 5 minutes when zero.
	NameMissTTL time.Duration
	// CallbackLookupBudget is how long a card callback waits for a name look-up before rendering without
	// it (Lark wants the callback's answer within 3 s); 300 ms when zero.
	CallbackLookupBudget time.Duration
}

// Limits are the rates Client keeps to. Lark limits each API on its own ("接口频率限制" on every API page;
// the IM APIs Baton calls — send, reply, patch, urgent, card update, chats, contact users — are all on the
// "1000 次/分钟、50 次/秒" tier: https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control),
// and on top of that sends into one chat (replies included: a reply is a message in the chat) and to one
// user at 5 QPS, and updates of one message at 5 QPS
// (https://open.feishu.cn/document/server-docs/im-v1/message/create, …/message/patch).
//
// The per-target limits are kept as counts in a sliding window: at most ChatPerWindow sends in any
// TargetWindow. Lark does not document how it counts its "5 QPS" (fixed seconds or a sliding second); a
// sliding window of a second satisfies both, and lets a burst start with five sends at once instead of one
// every 200 ms, which is what makes a 50-board burst claimable within ten seconds. TargetWindow is a little
// longer than Lark's second so that a send delayed on the way a little more than the one five before it
// still lands outside that one's second. The API tiers are token buckets below Lark's numbers.
type Limits struct {
	ChatPerWindow    int           // sends and replies into one chat per TargetWindow
	UserPerWindow    int           // sends to one user (DM) per TargetWindow
	MessagePerWindow int           // updates of one message per TargetWindow
	TargetWindow     time.Duration // the per-target window: Lark's second plus a guard for network jitter
	APIPerSecond     float64       // calls of one API (send, reply, patch, …), each API on its own
	APIPerMinute     float64       // calls of one API, per minute
	// APIMinuteBurst is how many calls the per-minute limit lets through at once; keep
	// APIPerMinute+APIMinuteBurst under Lark's 1000/min so no 60-second window can exceed it.
	APIMinuteBurst int
}

// DefaultTargetWindow is Lark's one second plus a 50 ms guard.
const DefaultTargetWindow = 1050 * time.Millisecond

// DefaultLimits returns the limits Client uses when Config.Limits leaves a field zero.
func DefaultLimits() Limits {
	return Limits{
		ChatPerWindow:    5,
		UserPerWindow:    5,
		MessagePerWindow: 5,
		TargetWindow:     DefaultTargetWindow,
		APIPerSecond:     40,
		APIPerMinute:     900,
		APIMinuteBurst:   90,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.ChatPerWindow <= 0 {
		l.ChatPerWindow = d.ChatPerWindow
	}
	if l.UserPerWindow <= 0 {
		l.UserPerWindow = d.UserPerWindow
	}
	if l.MessagePerWindow <= 0 {
		l.MessagePerWindow = d.MessagePerWindow
	}
	if l.TargetWindow <= 0 {
		l.TargetWindow = d.TargetWindow
	}
	if l.APIPerSecond <= 0 {
		l.APIPerSecond = d.APIPerSecond
	}
	if l.APIPerMinute <= 0 {
		l.APIPerMinute = d.APIPerMinute
	}
	if l.APIMinuteBurst <= 0 {
		l.APIMinuteBurst = d.APIMinuteBurst
	}
	return l
}

func (c Config) withDefaults() (Config, error) {
	if c.AppID == "" || c.AppSecret == "" {
		return c, errors.New("lark app id and secret are required")
	}
	if c.BaseURL == "" {
		c.BaseURL = FeishuBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Limits = c.Limits.withDefaults()
	if c.NameMissTTL <= 0 {
		c.NameMissTTL = 5 * time.Minute
	}
	if c.CallbackLookupBudget <= 0 {
		c.CallbackLookupBudget = 300 * time.Millisecond
	}
	return c, nil
}
