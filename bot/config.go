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
}

// Limits are the rates Client keeps to. Lark allows 5 QPS per chat and per user for sends, 5 QPS per
// message for updates and 50/s plus 1000/min per app; the defaults leave headroom because Lark's own
// windows and the network's jitter do not line up with ours.
type Limits struct {
	ChatPerSecond    float64 // sends and replies into one chat
	UserPerSecond    float64 // sends to one user (DM)
	MessagePerSecond float64 // updates of one message
	AppPerSecond     float64 // every call of the app
	AppPerMinute     float64 // every call of the app, per minute
	// AppMinuteBurst is how many calls the per-minute limit lets through at once; keep
	// AppPerMinute+AppMinuteBurst under Lark's 1000/min so no 60-second window can exceed it.
	AppMinuteBurst int
}

// DefaultLimits returns the limits Client uses when Config.Limits leaves a field zero.
func DefaultLimits() Limits {
	return Limits{
		ChatPerSecond:    4,
		UserPerSecond:    4,
		MessagePerSecond: 4,
		AppPerSecond:     40,
		AppPerMinute:     900,
		AppMinuteBurst:   90,
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
	if l.AppPerSecond <= 0 {
		l.AppPerSecond = d.AppPerSecond
	}
	if l.AppPerMinute <= 0 {
		l.AppPerMinute = d.AppPerMinute
	}
	if l.AppMinuteBurst <= 0 {
		l.AppMinuteBurst = d.AppMinuteBurst
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
	return c, nil
}
