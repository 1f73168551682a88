package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/crm"
)

// Message is a chat message someone sent the bot (a DM, or a group message, where Lark delivers only those
// that @-mention the bot unless the app may read all group messages).
type Message struct {
	EventID      string
	MessageID    string
	ChatID       string
	ChatType     string // "p2p" or "group"
	SenderOpenID string
	// Text is the message as a person reads it: the bot's @ removed, other mentions as "@Name". Rich-text
	// (post) messages are flattened; other message types leave it empty.
	Text        string
	MessageType string // Lark's message_type: "text", "post", "image", …
	MentionsBot bool
	Mentions    []Mention // everyone mentioned except the bot
	CreatedAt   time.Time
}

// Mention is a person @-mentioned in a message.
type Mention struct {
	OpenID string
	Name   string
}

// CardAction is a click, selection or form submit on one of the bot's cards (card.action.trigger).
type CardAction struct {
	EventID        string
	Token          string // delayed-update token for Client.UpdateByToken: 30 minutes, two uses
	OperatorOpenID string
	MessageID      string
	ChatID         string
	Value          map[string]any // the component's callback value
	Tag            string         // the component: "button", "select_static", "date_picker", …
	Name           string         // the component's name (form children, named buttons)
	Option         string         // single selects and pickers
	Options        []string       // multi selects
	FormValue      map[string]any // form submit: field name → value
	InputValue     string
	Timezone       string // set by date and time pickers
}

// CardResponse answers a card callback: an optional toast and an optional replacement card.
type CardResponse struct {
	Toast *Toast
	Card  []byte // raw card JSON 2.0; nil leaves the card as it is
}

// Toast is the short notice Lark shows the person who clicked.
type Toast struct {
	Type string // "info", "success", "warning" or "error"
	ZH   string
	EN   string
}

// MenuEvent is a tap on the bot's menu (application.bot.menu_v6).
type MenuEvent struct {
	EventID        string
	OperatorOpenID string
	EventKey       string
}

// Handler is Baton's side of the intake. HandleCardAction runs with a 2.5-second deadline because Lark
// drops answers after 3 seconds; handlers hand slow work to jobs.
type Handler interface {
	HandleMessage(ctx context.Context, m Message) error
	HandleCardAction(ctx context.Context, a CardAction) (*CardResponse, error)
	HandleMenu(ctx context.Context, e MenuEvent) error
}

// Deduper remembers keys for a while: FirstSeen is true the first time a key is offered within ttl.
type Deduper interface {
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// IntakeConfig configures NewWebhook and RunWebsocket.
type IntakeConfig struct {
	VerificationToken string
	EncryptKey        string // required by the webhook: without it the SDK verifies nothing
	Handler           Handler
	Dedup             Deduper // nil: no deduplication (tests only)
	Logger            *slog.Logger
	Now               func() time.Time
	MaxBody           int64     // request body cap; 1 MiB when zero
	BotOpenID         string    // to recognise @-mentions of the bot, when Bot is nil
	Bot               *Identity // who the bot is; may learn its open_id later (Client.LearnIdentity)
	// BaseChanged receives Feishu Base record changes (drive.file.bitable_record_changed_v1); nil
	// acknowledges them without action.
	BaseChanged func(ctx context.Context, ch crm.BaseChange) error
}

// dedupWindow covers Lark's whole retry schedule (15 s, 5 min, 1 h, 6 h).
const dedupWindow = 8 * time.Hour

// cardDeadline leaves half a second of Lark's 3-second callback limit for the network.
const cardDeadline = 2500 * time.Millisecond

func (c IntakeConfig) withDefaults() (IntakeConfig, error) {
	if c.Handler == nil {
		return c, fmt.Errorf("lark intake: a handler is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.Bot == nil {
		c.Bot = NewIdentity(c.BotOpenID)
	}
	return c, nil
}

// redisDeduper is a Deduper on Redis.
type redisDeduper struct{ rdb redis.UniversalClient }

// NewRedisDeduper returns a Deduper that keeps keys in Redis (SET NX EX), shared by every replica.
func NewRedisDeduper(rdb redis.UniversalClient) Deduper {
	return redisDeduper{rdb: rdb}
}

func (d redisDeduper) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := d.rdb.SetNX(ctx, "baton:seen:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("dedupe %s: %w", key, err)
	}
	return ok, nil
}
