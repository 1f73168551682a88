package larktest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// mentionPattern finds "@word" tokens in text typed by a simulated user.
var mentionPattern = regexp.MustCompile(`@([\p{L}\p{N}_\-]+)`)

func (s *Server) idJSON(u *User) map[string]any {
	return map[string]any{"open_id": u.OpenID, "union_id": u.UnionID, "user_id": u.UserID}
}

// SendText simulates a user typing text in a chat: the message is stored in the chat and delivered to the bot
// as im.message.receive_v1. "@bot" or "@<BotName>" becomes an @_user_N placeholder with a mentions[] entry
// for the bot, and "@<open_id>" a mention of that user, as Lark renders mentions. Group messages are delivered
// whether or not they mention the bot (as for an app with the read-all-group-messages scope).
func (s *Server) SendText(ctx context.Context, chatID, senderOpenID, text string) (Delivery, error) {
	event, err := s.userText(chatID, senderOpenID, text)
	if err != nil {
		return Delivery{Err: err}, err
	}
	return s.SendEvent(ctx, "im.message.receive_v1", event)
}

func (s *Server) userText(chatID, senderOpenID, text string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.userByID[senderOpenID]
	if u == nil {
		return nil, fmt.Errorf("send text: unknown user %s", senderOpenID)
	}
	c := s.st.chatByID[chatID]
	switch {
	case c == nil:
		return nil, fmt.Errorf("send text: unknown chat %s", chatID)
	case !slices.Contains(c.Members, senderOpenID):
		return nil, fmt.Errorf("send text: user %s is not a member of chat %s", senderOpenID, chatID)
	case c.BotOut:
		return nil, fmt.Errorf("send text: the bot is not in chat %s", chatID)
	}
	var mentions []any
	rendered := mentionPattern.ReplaceAllStringFunc(text, func(tok string) string {
		word := tok[1:]
		var id map[string]any
		var name string
		switch mu := s.st.userByID[word]; {
		case strings.EqualFold(word, "bot") || word == s.cfg.BotName:
			id = map[string]any{"open_id": s.cfg.BotOpenID, "union_id": unionIDFor(s.cfg.BotOpenID), "user_id": ""}
			name = s.cfg.BotName
		case mu != nil:
			id, name = s.idJSON(mu), mu.Name
		default:
			return tok
		}
		key := fmt.Sprintf("@_user_%d", len(mentions)+1)
		mentions = append(mentions, map[string]any{"key": key, "id": id, "name": name, "tenant_key": s.cfg.TenantKey})
		return key
	})
	content, err := json.Marshal(map[string]string{"text": rendered})
	if err != nil {
		return nil, fmt.Errorf("marshal text content: %w", err)
	}
	now := s.st.now()
	m := &message{Message: Message{
		ID: newMessageID(), ChatID: chatID, MsgType: "text", Sender: senderOpenID,
		Content: string(content), CreatedAt: now, UpdatedAt: now,
	}, Mentions: mentions}
	s.storeLocked(m)
	s.changedLocked()
	msg := map[string]any{
		"message_id": m.ID, "root_id": "", "parent_id": "", "thread_id": "",
		"create_time": millis(now), "update_time": millis(now), "chat_id": chatID,
		"chat_type": chatMode(c.Type), "message_type": "text", "content": string(content), "user_agent": "",
	}
	if len(mentions) > 0 {
		msg["mentions"] = mentions
	}
	return map[string]any{
		"sender":  map[string]any{"sender_id": s.idJSON(u), "sender_type": "user", "tenant_key": s.cfg.TenantKey},
		"message": msg,
	}, nil
}

// SendMenu simulates a user picking a bot menu item (application.bot.menu_v6).
func (s *Server) SendMenu(ctx context.Context, operatorOpenID, eventKey string) (Delivery, error) {
	s.mu.Lock()
	u := s.st.userByID[operatorOpenID]
	now := s.st.now()
	s.mu.Unlock()
	if u == nil {
		err := fmt.Errorf("send menu: unknown user %s", operatorOpenID)
		return Delivery{Err: err}, err
	}
	event := map[string]any{
		"operator":  map[string]any{"operator_name": u.Name, "operator_id": s.idJSON(u)},
		"event_key": eventKey,
		"timestamp": now.Unix(), // a number here, unlike the header's create_time
	}
	return s.SendEvent(ctx, "application.bot.menu_v6", event)
}

// AddBot simulates a user adding the bot to a group (im.chat.member.bot.added_v1); the chat's BotOut clears.
func (s *Server) AddBot(ctx context.Context, chatID, operatorOpenID string) (Delivery, error) {
	s.mu.Lock()
	u := s.st.userByID[operatorOpenID]
	c := s.st.chatByID[chatID]
	var name string
	if c != nil && u != nil {
		c.BotOut = false
		name = c.Name
		s.changedLocked()
	}
	s.mu.Unlock()
	if u == nil || c == nil {
		err := fmt.Errorf("add bot: unknown chat %s or user %s", chatID, operatorOpenID)
		return Delivery{Err: err}, err
	}
	event := map[string]any{
		"chat_id": chatID, "operator_id": s.idJSON(u), "external": false,
		"operator_tenant_key": s.cfg.TenantKey, "name": name, "i18n_names": map[string]string{},
	}
	return s.SendEvent(ctx, "im.chat.member.bot.added_v1", event)
}
