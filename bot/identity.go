package bot

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// Identity is who the bot is, to recognise @-mentions of it in group chats. Its open_id comes from
// /open-apis/bot/v3/info, which can fail at start-up (a network blip, bot ability not yet enabled): until it
// answers, a mention carrying the bot's name (LARK_BOT_NAME, or the app name Lark once reported) still
// counts, so group commands never go silent. Safe for concurrent use.
type Identity struct {
	mu     sync.RWMutex
	openID string
	names  []string // lower-cased names the bot is mentioned by
}

// NewIdentity returns an Identity that knows openID (may be empty: not yet known) and answers to names.
func NewIdentity(openID string, names ...string) *Identity {
	id := &Identity{openID: openID}
	id.addNames(names...)
	return id
}

func (id *Identity) addNames(names ...string) {
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n != "" && !slices.Contains(id.names, n) {
			id.names = append(id.names, n)
		}
	}
}

// OpenID returns the bot's open_id, or "" while Lark has not told it.
func (id *Identity) OpenID() string {
	if id == nil {
		return ""
	}
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.openID
}

func (id *Identity) set(openID, name string) {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.openID = openID
	id.addNames(name)
}

// isBot reports whether a mention names the bot: by open_id once known, else by name. A person who shares
// the bot's name is told apart by the open_id as soon as Lark answers.
func (id *Identity) isBot(x *larkim.MentionEvent) bool {
	if id == nil || x == nil {
		return false
	}
	id.mu.RLock()
	defer id.mu.RUnlock()
	if id.openID != "" {
		return x.Id != nil && deref(x.Id.OpenId) == id.openID
	}
	return slices.Contains(id.names, strings.ToLower(strings.TrimSpace(deref(x.Name))))
}

// identityRetry bounds the wait between bot-info attempts: quick at first, then once a minute.
const (
	identityFirstRetry = time.Second
	identityMaxRetry   = time.Minute
)

// LearnIdentity asks Lark for the bot's open_id and name until it answers or ctx ends, with jittered
// exponential backoff, and stores the answer in id. Run it in the background; id works meanwhile.
func (c *Client) LearnIdentity(ctx context.Context, id *Identity) {
	wait := identityFirstRetry
	for attempt := 1; ; attempt++ {
		openID, name, err := c.BotInfo(ctx)
		if err == nil {
			id.set(openID, name)
			if attempt > 1 {
				c.log.Info("lark bot identity known; @-mentions recognised by open_id", "bot_open_id", openID,
					"attempts", attempt)
			}
			return
		}
		if attempt == 1 {
			c.log.Warn("lark bot info unavailable; retrying, mentions by the bot's name count meanwhile", "error", err)
		}
		d := wait/2 + rand.N(wait/2+1)
		wait = min(2*wait, identityMaxRetry)
		if sleep(ctx, d) != nil {
			return
		}
	}
}
