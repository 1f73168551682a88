package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkcontact "github.com/larksuite/oapi-sdk-go/v3/service/contact/v3"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// UserName returns the user's display name, cached for an hour. Concurrent misses for one user share a
// single request. A failed look-up (41050: the user is outside the app's contact range, or a missing
// contact scope) is remembered for Config.NameMissTTL, so a card that mentions such a user does not ask
// Lark again on every render. Inside a card callback it waits at most Config.CallbackLookupBudget: the
// look-up goes on in the background and fills the cache for the next render, and the callback answers in
// time without the name.
func (c *Client) UserName(ctx context.Context, openID string) (string, error) {
	if n, ok := c.names.get(openID); ok {
		return n, nil
	}
	if err, ok := c.nameMisses.get(openID); ok {
		return "", err
	}
	// Detached from ctx: a callback that stops waiting must not cancel the look-up it shares with others.
	ch := c.flight.DoChan("user:"+openID, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
		defer cancel()
		return c.fetchUserName(fctx, openID)
	})
	var budget <-chan time.Time
	if inCallback(ctx) {
		t := time.NewTimer(c.cfg.CallbackLookupBudget)
		defer t.Stop()
		budget = t.C
	}
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-budget:
		return "", fmt.Errorf("lark user %s: %w", openID, ErrLookupPending)
	case <-ctx.Done():
		return "", fmt.Errorf("lark user %s: %w", openID, ctx.Err())
	}
}

// ErrLookupPending is returned when a look-up did not answer within a card callback's budget; it goes on in
// the background.
var ErrLookupPending = errors.New("look-up still running")

func (c *Client) fetchUserName(ctx context.Context, openID string) (string, error) {
	req := larkcontact.NewGetUserReqBuilder().UserId(openID).UserIdType("open_id").Build()
	var name string
	err := c.do(ctx, call{op: "user", keys: c.rateKeys("user"), attrs: []any{"open_id", openID}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.contact.User.Get(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil && r.Data.User != nil && r.Data.User.Name != nil {
				name = *r.Data.User.Name
			}
			return r.ApiResp, &r.CodeError, nil
		})
	if err != nil {
		c.nameMisses.set(openID, err)
		return "", err
	}
	c.names.set(openID, name)
	return name, nil
}

// callbackKey marks a context as a card callback's, whose answer Lark needs within 3 seconds.
type callbackKey struct{}

func withinCallback(ctx context.Context) context.Context {
	return context.WithValue(ctx, callbackKey{}, true)
}

func inCallback(ctx context.Context) bool {
	v, _ := ctx.Value(callbackKey{}).(bool)
	return v
}

// ChatMembers returns the open_ids of a chat's human members (Lark leaves bots out), all pages, cached
// for five minutes. The bot must be in the chat. Concurrent misses (fifty reps tapping Claim on a cold
// cache) share a single listing.
func (c *Client) ChatMembers(ctx context.Context, chatID string) ([]string, error) {
	if ids, ok := c.members.get(chatID); ok {
		return slices.Clone(ids), nil
	}
	v, err, _ := c.flight.Do("members:"+chatID, func() (any, error) { return c.fetchChatMembers(ctx, chatID) })
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]string)), nil
}

func (c *Client) fetchChatMembers(ctx context.Context, chatID string) ([]string, error) {
	var ids []string
	pageToken := ""
	for page := 0; ; page++ {
		b := larkim.NewGetChatMembersReqBuilder().ChatId(chatID).MemberIdType("open_id").PageSize(100)
		if pageToken != "" {
			b.PageToken(pageToken)
		}
		req := b.Build()
		var more bool
		err := c.do(ctx, call{op: "chat_members", keys: c.rateKeys("chat_members"), attrs: []any{"chat_id", chatID, "page", page}},
			func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
				r, err := c.im.ChatMembers.Get(ctx, req, tok)
				if err != nil {
					return nil, nil, err
				}
				if r.Code == 0 && r.Data != nil {
					for _, m := range r.Data.Items {
						if m != nil && m.MemberId != nil {
							ids = append(ids, *m.MemberId)
						}
					}
					more = r.Data.HasMore != nil && *r.Data.HasMore
					pageToken = ""
					if r.Data.PageToken != nil {
						pageToken = *r.Data.PageToken
					}
				}
				return r.ApiResp, &r.CodeError, nil
			})
		if err != nil {
			return nil, err
		}
		if !more || pageToken == "" {
			break
		}
	}
	c.members.set(chatID, slices.Clone(ids))
	return ids, nil
}

// ChatInfo is what Baton needs to know about a chat.
type ChatInfo struct {
	ChatID      string
	Name        string
	Description string
	OwnerID     string // open_id; empty when a bot owns the chat or for p2p chats
	ChatMode    string // "group", "topic" or "p2p"
	ChatType    string // "private" or "public"
	External    bool
	UserCount   int
	BotCount    int
}

// ChatInfo returns the chat's name and shape. When the bot is not in the chat Lark returns only a part.
func (c *Client) ChatInfo(ctx context.Context, chatID string) (ChatInfo, error) {
	req := larkim.NewGetChatReqBuilder().ChatId(chatID).UserIdType("open_id").Build()
	info := ChatInfo{ChatID: chatID}
	err := c.do(ctx, call{op: "chat", keys: c.rateKeys("chat"), attrs: []any{"chat_id", chatID}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.im.Chat.Get(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if d := r.Data; r.Code == 0 && d != nil {
				info.Name = deref(d.Name)
				info.Description = deref(d.Description)
				info.OwnerID = deref(d.OwnerId)
				info.ChatMode = deref(d.ChatMode)
				info.ChatType = deref(d.ChatType)
				info.External = d.External != nil && *d.External
				info.UserCount, _ = strconv.Atoi(deref(d.UserCount))
				info.BotCount, _ = strconv.Atoi(deref(d.BotCount))
			}
			return r.ApiResp, &r.CodeError, nil
		})
	if err != nil {
		return ChatInfo{}, err
	}
	return info, nil
}

// BotOpenID returns the bot's own open_id (to recognise @-mentions of it), cached once known.
func (c *Client) BotOpenID(ctx context.Context) (string, error) {
	id, _, err := c.BotInfo(ctx)
	return id, err
}

// BotInfo returns the bot's own open_id and app name, cached once known.
func (c *Client) BotInfo(ctx context.Context) (openID, name string, err error) {
	c.botMu.Lock()
	defer c.botMu.Unlock()
	if c.botOpenID != "" {
		return c.botOpenID, c.botName, nil
	}
	// bot/v3/info has no generated method, and its answer sits under "bot", not "data".
	var out struct {
		Bot struct {
			OpenID  string `json:"open_id"`
			AppName string `json:"app_name"`
		} `json:"bot"`
	}
	err = c.do(ctx, call{op: "bot_info", keys: c.rateKeys("bot_info")},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			return c.raw(ctx, http.MethodGet, "/open-apis/bot/v3/info", nil, &out, tok)
		})
	if err != nil {
		return "", "", err
	}
	if out.Bot.OpenID == "" {
		return "", "", fmt.Errorf("lark bot_info: no open_id in the answer")
	}
	c.botOpenID, c.botName = out.Bot.OpenID, out.Bot.AppName
	return c.botOpenID, c.botName, nil
}

// Ping checks that Lark accepts the app's credentials (a cached token counts), for readiness probes.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.tokens.get(ctx); err != nil {
		return fmt.Errorf("lark ping: %w", err)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
