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
// (https://open.feishu.cn/document/server-docs/im-v1/message/create, …/message/patch). The defaults leave
// headroom because Lark's own windows and the network's jitter do not line up with ours.
type Limits struct {
	ChatPerSecond    float64 // sends and replies into one chat
	UserPerSecond    float64 // sends to one user (DM)
	MessagePerSecond float64 // updates of one message
	APIPerSecond     float64 // calls of one API (send, reply, patch, …), each API on its own
	APIPerMinute     float64 // calls of one API, per minute
	// APIMinuteBurst is how many calls the per-minute limit lets through at once; keep
	// APIPerMinute+APIMinuteBurst under Lark's 1000/min so no 60-second window can exceed it.
	APIMinuteBurst int
}

// DefaultLimits returns the limits Client uses when Config.Limits leaves a field zero.
func DefaultLimits() Limits {
	return Limits{
		ChatPerSecond:    4,
		UserPerSecond:    4,
		MessagePerSecond: 4,
		APIPerSecond:     40,
		APIPerMinute:     900,
		APIMinuteBurst:   90,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.ChatPerSecond <= 0 {
		l.ChatPerSecond = d.ChatPerSecond
	}
	if l.UserPerSecond <= 0 {
		l.UserPerSecond = d.UserPerSecond
	}
	if l.MessagePerSecond <= 0 {
		l.MessagePerSecond = d.MessagePerSecond
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
