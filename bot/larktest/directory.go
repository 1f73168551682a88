package larktest

import (
	"encoding/base64"
	"slices"
	"strconv"
)

// User is a person in the emulated tenant. Empty ids are filled in by AddUser.
type User struct {
	OpenID  string `json:"open_id"`
	UnionID string `json:"union_id"`
	UserID  string `json:"user_id"`
	Name    string `json:"name"`
	EnName  string `json:"en_name,omitempty"`
	Email   string `json:"email,omitempty"`
	// OutOfContactRange puts the user outside the app's contact range: contact look-ups answer 41050.
	OutOfContactRange bool   `json:"out_of_contact_range,omitempty"`
	Mobile            string `json:"mobile,omitempty"` // as batch_get_id matches it: 11 digits in mainland China, else "+" and the country code
}

// Chat is a group or a bot↔user direct chat.
type Chat struct {
	ChatID  string   `json:"chat_id"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`    // "group" (default) or "p2p"
	Members []string `json:"members"` // open_ids of the human members
	BotOut  bool     `json:"bot_out"` // the bot is NOT in the chat
}

// AddUser adds or replaces a user. An empty OpenID gets a fresh "ou_" id; UnionID and UserID are derived
// from it when empty.
func (s *Server) AddUser(u User) {
	if u.OpenID == "" {
		u.OpenID = newOpenID()
	}
	if u.UnionID == "" {
		u.UnionID = unionIDFor(u.OpenID)
	}
	if u.UserID == "" {
		u.UserID = "u_" + stableHex("user", u.OpenID)[:10]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.userByID[u.OpenID]; !ok {
		s.st.users = append(s.st.users, u.OpenID)
	}
	s.st.userByID[u.OpenID] = &u
	s.changedLocked()
}

// AddChat adds or replaces a chat. An empty ChatID gets a fresh "oc_" id (see AddGroup to learn it) and
// Type defaults to "group".
func (s *Server) AddChat(c Chat) { s.addChat(c) }

// AddGroup adds a group chat with the bot and the given members and returns its id.
func (s *Server) AddGroup(name string, members ...string) string {
	return s.addChat(Chat{Name: name, Members: members})
}

func (s *Server) addChat(c Chat) string {
	if c.ChatID == "" {
		c.ChatID = newChatID()
	}
	if c.Type == "" {
		c.Type = "group"
	}
	c.Members = slices.Clone(c.Members)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.st.chatByID[c.ChatID]; ok {
		old.Chat = c
	} else {
		s.st.chats = append(s.st.chats, c.ChatID)
		s.st.chatByID[c.ChatID] = &chatState{Chat: c}
	}
	s.changedLocked()
	return c.ChatID
}

// Users returns every user in insertion order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.st.users))
	for _, id := range s.st.users {
		out = append(out, *s.st.userByID[id])
	}
	return out
}

// Chats returns every chat in insertion order, DM chats included once created.
func (s *Server) Chats() []Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Chat, 0, len(s.st.chats))
	for _, id := range s.st.chats {
		c := s.st.chatByID[id].Chat
		c.Members = slices.Clone(c.Members)
		out = append(out, c)
	}
	return out
}

// P2PChatID returns the id of the bot↔user direct chat, creating it on first use. The id is derived from the
// app and the user, so it is the same in every run.
func (s *Server) P2PChatID(openID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p2pLocked(openID)
}

func (s *Server) p2pLocked(openID string) string {
	if id, ok := s.st.p2p[openID]; ok {
		return id
	}
	id := "oc_" + stableHex("p2p", s.cfg.AppID, openID)
	s.st.p2p[openID] = id
	s.st.chats = append(s.st.chats, id)
	s.st.chatByID[id] = &chatState{Chat: Chat{ChatID: id, Type: "p2p", Members: []string{openID}}}
	s.changedLocked()
	return id
}

// userByIDType resolves a user by the id kind Lark calls user_id_type (open_id by default).
func (st *state) userByIDType(idType, id string) *User {
	switch idType {
	case "", "open_id":
		return st.userByID[id]
	}
	for _, oid := range st.users {
		u := st.userByID[oid]
		switch {
		case idType == "union_id" && u.UnionID == id,
			idType == "user_id" && u.UserID == id,
			idType == "email" && u.Email != "" && u.Email == id:
			return u
		}
	}
	return nil
}

// userJSON renders a user as the contact API returns it. withName is false when the app lacks
// contact:user.base:readonly: Lark then leaves name and en_name out.
func userJSON(u *User, tenantKey string, withName bool) map[string]any {
	name, enName := u.Name, u.EnName
	if !withName {
		name, enName = "", ""
	}
	return map[string]any{
		"open_id": u.OpenID, "union_id": u.UnionID, "user_id": u.UserID,
		"name": name, "en_name": enName, "email": u.Email,
		"avatar":         map[string]any{"avatar_72": "", "avatar_240": "", "avatar_640": "", "avatar_origin": ""},
		"department_ids": []string{},
		"status":         map[string]any{"is_activated": true, "is_frozen": false, "is_resigned": false, "is_exited": false, "is_unjoin": false},
		"tenant_key":     tenantKey,
	}
}

func (s *Server) handleGetUser(a *apiReq) reply {
	id := a.r.PathValue("user_id")
	a.call.UserID = id
	u := s.st.userByIDType(a.r.URL.Query().Get("user_id_type"), id)
	// A user outside the app's contact range (or unknown) answers 41050 "no user authority error"
	// (https://open.feishu.cn/document/server-docs/contact-v3/user/get, error table).
	if u == nil || u.OutOfContactRange {
		return bad(CodeNoUserAuthority, "no user authority error")
	}
	return ok(map[string]any{"user": userJSON(u, s.cfg.TenantKey, s.hasScopeLocked(ScopeUserName))})
}

func (s *Server) handleGetChat(a *apiReq) reply {
	id := a.r.PathValue("chat_id")
	a.call.ChatID = id
	c := s.st.chatByID[id]
	if c == nil {
		return bad(CodeChatNotFound, "chat not found")
	}
	data := map[string]any{
		"name": c.Name, "chat_mode": chatMode(c.Type), "chat_type": "private", "external": false,
		"tenant_key": s.cfg.TenantKey, "chat_status": "normal",
	}
	if !c.BotOut { // Lark returns only basic info to a bot outside the chat
		bots := "1"
		data["description"] = ""
		data["owner_id_type"] = "open_id"
		data["owner_id"] = ""
		if len(c.Members) > 0 {
			data["owner_id"] = c.Members[0]
		}
		data["user_count"] = strconv.Itoa(len(c.Members))
		data["bot_count"] = bots
	}
	return ok(data)
}

func chatMode(typ string) string {
	if typ == "p2p" {
		return "p2p"
	}
	return "group"
}

func (s *Server) handleGetChatMembers(a *apiReq) reply {
	id := a.r.PathValue("chat_id")
	a.call.ChatID = id
	c := s.st.chatByID[id]
	if c == nil {
		return bad(CodeChatNotFound, "chat not found")
	}
	if c.BotOut {
		return bad(CodeNotInChat, "operator can NOT be out of the chat")
	}
	q := a.r.URL.Query()
	size := 20
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return bad(CodeFieldValidation, "page_size must be 1..100")
		}
		size = n
	}
	start := 0
	if tok := q.Get("page_token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || n < 0 || n > len(c.Members) {
			return bad(CodeFieldValidation, "invalid page_token")
		}
		start = n
	}
	idType := q.Get("member_id_type")
	if idType == "" {
		idType = "open_id"
	}
	end := min(start+size, len(c.Members))
	items := []map[string]any{}
	for _, oid := range c.Members[start:end] {
		u := s.st.userByID[oid]
		item := map[string]any{"member_id_type": idType, "member_id": oid, "tenant_key": s.cfg.TenantKey}
		if u != nil {
			item["name"] = u.Name
			switch idType {
			case "union_id":
				item["member_id"] = u.UnionID
			case "user_id":
				item["member_id"] = u.UserID
			}
		}
		items = append(items, item)
	}
	data := map[string]any{"items": items, "has_more": end < len(c.Members), "member_total": len(c.Members), "page_token": ""}
	if end < len(c.Members) {
		data["page_token"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return ok(data)
}

func (s *Server) handleBotInfo(a *apiReq) reply {
	status := 2 // enabled
	if s.st.botOff {
		status = 0 // chosen, see SetBotActivated
	}
	return reply{status: 200, raw: map[string]any{
		"code": 0, "msg": "ok",
		"bot": map[string]any{"activate_status": status, "app_name": s.cfg.BotName, "avatar_url": "", "ip_white_list": []string{}, "open_id": s.cfg.BotOpenID},
	}}
}
