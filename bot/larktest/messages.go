package larktest

import (
	"fmt"
	"slices"
	"time"
)

var msgTypes = map[string]bool{
	"text": true, "post": true, "image": true, "file": true, "audio": true, "media": true, "sticker": true,
	"interactive": true, "share_chat": true, "share_user": true,
}

type sendBody struct {
	ReceiveID     string `json:"receive_id"`
	MsgType       string `json:"msg_type"`
	Content       string `json:"content"`
	UUID          string `json:"uuid"`
	ReplyInThread bool   `json:"reply_in_thread"`
}

func (s *Server) handleCreateMessage(a *apiReq) reply {
	var b sendBody
	if err := a.decode(&b); err != nil {
		return bad(CodeFieldValidation, "invalid request body")
	}
	idType := a.r.URL.Query().Get("receive_id_type")
	var chat *chatState
	limitKeys := []string{}
	switch idType {
	case "chat_id":
		chat = s.st.chatByID[b.ReceiveID]
		if chat == nil {
			return bad(CodeInvalidParam, "invalid receive_id: chat not found")
		}
	case "open_id", "union_id", "user_id", "email":
		u := s.st.userByIDType(idType, b.ReceiveID)
		if u == nil {
			return bad(CodeNoAvailability, "Bot has NO availability to this user.")
		}
		a.call.UserID = u.OpenID
		chat = s.st.chatByID[s.p2pLocked(u.OpenID)]
	default:
		return bad(CodeFieldValidation, "receive_id_type must be one of open_id, user_id, union_id, email, chat_id")
	}
	a.call.ChatID = chat.ChatID
	if chat.BotOut {
		return bad(CodeBotNotInChat, "Bot is not in the chat.")
	}
	limitKeys = append(limitKeys, "chat:"+chat.ChatID)
	if chat.Type == "p2p" && len(chat.Members) > 0 {
		limitKeys = append(limitKeys, "user:"+chat.Members[0])
	}
	return s.sendLocked(a, b, chat, nil, limitKeys)
}

func (s *Server) handleReplyMessage(a *apiReq) reply {
	var b sendBody
	if err := a.decode(&b); err != nil {
		return bad(CodeFieldValidation, "invalid request body")
	}
	parent := s.st.msgs[a.r.PathValue("message_id")]
	if parent == nil {
		return bad(CodeInvalidParam, "message not found")
	}
	a.call.MessageID = parent.ID
	if parent.Recalled {
		return bad(CodeMessageRecalled, "The message is recalled.")
	}
	chat := s.st.chatByID[parent.ChatID]
	a.call.ChatID = chat.ChatID
	if chat.BotOut {
		return bad(CodeBotNotInChat, "Bot is not in the chat.")
	}
	return s.sendLocked(a, b, chat, parent, []string{"chat:" + chat.ChatID})
}

// sendLocked validates and stores a new bot message (a reply when parent is set).
func (s *Server) sendLocked(a *apiReq, b sendBody, chat *chatState, parent *message, limitKeys []string) reply {
	now := s.st.now()
	if b.UUID != "" {
		if e, seen := s.st.uuids[b.UUID]; seen && now.Sub(e.at) < uuidWindowSeconds*time.Second {
			// Lark runs a uuid at most once per hour; a repeat gets the original message back.
			m := s.st.msgs[e.msgID]
			a.call.MessageID = m.ID
			return ok(s.messageData(m))
		}
	}
	if rep, valid := validateContent(b.MsgType, b.Content, len(a.body)); !valid {
		return rep
	}
	if rep, admitted := s.targetLimitLocked(limitKeys...); !admitted {
		return rep
	}
	m := &message{Message: Message{
		ID: newMessageID(), ChatID: chat.ChatID, MsgType: b.MsgType, Sender: "app",
		Content: b.Content, UUID: b.UUID, CreatedAt: now, UpdatedAt: now,
	}}
	if parent != nil {
		m.ParentID = parent.ID
		m.RootID = parent.RootID
		if m.RootID == "" {
			m.RootID = parent.ID
		}
		m.ThreadID = parent.ThreadID
		if b.ReplyInThread && m.ThreadID == "" {
			m.ThreadID = newThreadID()
			parent.ThreadID = m.ThreadID
		}
	}
	s.storeLocked(m)
	if b.UUID != "" {
		s.st.uuids[b.UUID] = uuidEntry{msgID: m.ID, at: now}
	}
	a.call.MessageID = m.ID
	return ok(s.messageData(m))
}

func (s *Server) storeLocked(m *message) {
	s.st.msgs[m.ID] = m
	c := s.st.chatByID[m.ChatID]
	c.msgIDs = append(c.msgIDs, m.ID)
}

// validateContent applies Lark's content rules: a known msg_type, content that is a JSON object string,
// the 150 KB (text) and 30 KB (card, post) limits, and the card JSON 2.0 checks.
func validateContent(msgType, content string, bodyLen int) (reply, bool) {
	if !msgTypes[msgType] {
		return bad(CodeInvalidParam, fmt.Sprintf("invalid msg_type %q", msgType)), false
	}
	obj, err := parseObject(content)
	if err != nil {
		return bad(CodeInvalidParam, "invalid message content: "+err.Error()), false
	}
	switch msgType {
	case "text":
		if bodyLen > textLimitBytes {
			return bad(CodeContentTooLong, "message content is too long"), false
		}
		if _, isStr := obj["text"].(string); !isStr {
			return bad(CodeInvalidParam, `invalid message content: text content needs a "text" string`), false
		}
	case "interactive", "post":
		// The 30 KB limit is on the request body, escaping of the content string included
		// (https://open.feishu.cn/document/server-docs/im-v1/message/create: "卡片及富文本消息请求体最大不能超过 30 KB").
		if bodyLen > cardLimitBytes {
			return bad(CodeContentTooLong, "message content is too long: the request body of a card or post is limited to 30 KB"), false
		}
	}
	if msgType == "interactive" {
		if err := checkCard(obj, false); err != nil {
			return bad(CodeCardInvalid, cardInvalid(err)), false
		}
	}
	return reply{}, true
}

func (s *Server) handlePatchMessage(a *apiReq) reply {
	var b struct {
		Content string `json:"content"`
	}
	if err := a.decode(&b); err != nil {
		return bad(CodeFieldValidation, "invalid request body")
	}
	m := s.st.msgs[a.r.PathValue("message_id")]
	if m == nil {
		return bad(CodeInvalidParam, "message not found")
	}
	a.call.MessageID, a.call.ChatID = m.ID, m.ChatID
	switch {
	case m.MsgType != "interactive":
		return bad(CodeInvalidParam, "only interactive messages can be patched")
	case m.Sender != "app":
		return bad(CodeNoPermission, "only the sender can patch a message")
	case m.Recalled:
		return bad(CodeMessageRecalled, "The message is recalled.")
	case s.st.now().Sub(m.CreatedAt) > patchWindow*time.Second:
		// Lark's text for 230031 (https://open.feishu.cn/document/server-docs/im-v1/message-card/patch), as
		// reported in github.com/deepcoldy/botmux/pull/1441.
		return bad(CodeMessageTooOld, "Message has expired when updating message, ext=Message can only be updated within fourteen days.")
	case len(a.body) > cardLimitBytes:
		return bad(CodeContentTooLong, "message content is too long: the request body of a card is limited to 30 KB")
	}
	card, err := parseObject(b.Content)
	if err != nil {
		return bad(CodeInvalidParam, "invalid message content: "+err.Error())
	}
	if old, err := parseObject(m.Content); err == nil && !isCardReference(old) {
		if err := checkCard(old, true); err != nil {
			return bad(CodeCardInvalid, cardInvalid(fmt.Errorf("the sent card cannot be patched: %w", err)))
		}
	}
	if err := checkCard(card, true); err != nil {
		return bad(CodeCardInvalid, cardInvalid(err))
	}
	if rep, admitted := s.targetLimitLocked("msg:" + m.ID); !admitted {
		return rep
	}
	s.updateCardLocked(m, b.Content)
	return ok(nil)
}

func (s *Server) updateCardLocked(m *message, content string) {
	m.Content = content
	m.Updates++
	m.UpdatedAt = s.st.now()
}

func (s *Server) handleUrgentApp(a *apiReq) reply {
	var b struct {
		UserIDList []string `json:"user_id_list"`
	}
	if err := a.decode(&b); err != nil || len(b.UserIDList) == 0 {
		return bad(CodeFieldValidation, "user_id_list is required")
	}
	idType := a.r.URL.Query().Get("user_id_type")
	if idType == "" {
		return bad(CodeFieldValidation, "user_id_type is required")
	}
	m := s.st.msgs[a.r.PathValue("message_id")]
	if m == nil {
		return bad(CodeInvalidParam, "message not found")
	}
	a.call.MessageID, a.call.ChatID = m.ID, m.ChatID
	chat := s.st.chatByID[m.ChatID]
	switch {
	case m.Sender != "app":
		return bad(CodeNoPermission, "only the bot's own messages can be made urgent")
	case chat.BotOut:
		return bad(CodeBotNotInChat, "Bot is not in the chat.")
	case m.Recalled:
		return bad(CodeMessageRecalled, "The message is recalled.")
	}
	invalid := []string{}
	for _, id := range b.UserIDList {
		u := s.st.userByIDType(idType, id)
		if u == nil || !slices.Contains(chat.Members, u.OpenID) || s.st.urgent[u.OpenID] >= maxUrgentUnreadByUser {
			invalid = append(invalid, id)
			continue
		}
		if !slices.Contains(m.UrgentTo, u.OpenID) {
			m.UrgentTo = append(m.UrgentTo, u.OpenID)
			s.st.urgent[u.OpenID]++
		}
	}
	return ok(map[string]any{"invalid_user_id_list": invalid})
}

// UrgentUnread is how many urgent messages the user has not read yet (Lark caps it at 200).
func (s *Server) UrgentUnread(openID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.urgent[openID]
}

// ReadUrgent marks the user's urgent messages as read.
func (s *Server) ReadUrgent(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.urgent, openID)
	s.changedLocked()
}

func (s *Server) handleGetMessage(a *apiReq) reply {
	m := s.st.msgs[a.r.PathValue("message_id")]
	if m == nil {
		return bad(CodeInvalidParam, "message not found")
	}
	a.call.MessageID, a.call.ChatID = m.ID, m.ChatID
	return ok(map[string]any{"items": []any{s.messageData(m)}})
}

// messageData renders a message as the IM API returns it.
func (s *Server) messageData(m *message) map[string]any {
	sender := map[string]any{"id": s.cfg.AppID, "id_type": "app_id", "sender_type": "app", "tenant_key": s.cfg.TenantKey}
	if m.Sender != "app" {
		sender = map[string]any{"id": m.Sender, "id_type": "open_id", "sender_type": "user", "tenant_key": s.cfg.TenantKey}
	}
	mentions := m.Mentions
	if mentions == nil {
		mentions = []any{}
	}
	return map[string]any{
		"message_id": m.ID, "root_id": m.RootID, "parent_id": m.ParentID, "thread_id": m.ThreadID,
		"msg_type": m.MsgType, "create_time": millis(m.CreatedAt), "update_time": millis(m.UpdatedAt),
		"deleted": m.Recalled, "updated": m.Updates > 0, "chat_id": m.ChatID, "sender": sender,
		"body": map[string]any{"content": m.Content}, "mentions": mentions, "upper_message_id": "",
	}
}
