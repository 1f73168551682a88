package larktest

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Directory look-ups an admin uses to fill baton.yaml and a migration import uses to resolve owners.
const (
	// RouteBatchGetID resolves emails and mobiles to user ids.
	// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/contact-v3/user/batch_get_id
	RouteBatchGetID = "POST /open-apis/contact/v3/users/batch_get_id"
	// RouteListChats lists the chats the bot is in.
	// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/chat/list
	RouteListChats = "GET /open-apis/im/v1/chats"
)

// batchGetIDMax is the documented cap on emails and, separately, on mobiles per call ("最多 50 条").
const batchGetIDMax = 50

// handleBatchGetID answers like Lark: one user_list entry per email and per mobile asked, in that order,
// with user_id left out when the person is unknown. Mainland mobiles match without "+86"; others only
// with their "+" country code, as the documentation requires.
func (s *Server) handleBatchGetID(a *apiReq) reply {
	var body struct {
		Emails  []string `json:"emails"`
		Mobiles []string `json:"mobiles"`
	}
	if err := a.decode(&body); err != nil {
		return bad(CodeFieldValidation, "invalid request body")
	}
	if len(body.Emails) > batchGetIDMax || len(body.Mobiles) > batchGetIDMax {
		return bad(CodeFieldValidation, "emails and mobiles take at most 50 each")
	}
	idType := a.r.URL.Query().Get("user_id_type")
	if idType == "" {
		idType = "open_id"
	}
	idOf := func(u *User) string {
		switch idType {
		case "union_id":
			return u.UnionID
		case "user_id":
			return u.UserID
		}
		return u.OpenID
	}
	list := []map[string]any{}
	for _, e := range body.Emails {
		item := map[string]any{"email": e}
		for _, oid := range s.st.users {
			if u := s.st.userByID[oid]; u.Email != "" && strings.EqualFold(u.Email, e) {
				item["user_id"] = idOf(u)
				break
			}
		}
		list = append(list, item)
	}
	for _, m := range body.Mobiles {
		item := map[string]any{"mobile": m}
		for _, oid := range s.st.users {
			if u := s.st.userByID[oid]; u.Mobile != "" && u.Mobile == m {
				item["user_id"] = idOf(u)
				break
			}
		}
		list = append(list, item)
	}
	return ok(map[string]any{"user_list": list})
}

// handleListChats pages through the group chats the bot is in (p2p chats are not listed, as in Lark).
func (s *Server) handleListChats(a *apiReq) reply {
	q := a.r.URL.Query()
	size := 20
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return bad(CodeFieldValidation, "page_size must be 1..100")
		}
		size = n
	}
	var ids []string
	for _, id := range s.st.chats {
		if c := s.st.chatByID[id]; c != nil && !c.BotOut && c.Type != "p2p" {
			ids = append(ids, id)
		}
	}
	start := 0
	if tok := q.Get("page_token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || n < 0 || n > len(ids) {
			return bad(CodeFieldValidation, "invalid page_token")
		}
		start = n
	}
	end := min(start+size, len(ids))
	items := []map[string]any{}
	for _, id := range ids[start:end] {
		c := s.st.chatByID[id]
		owner := ""
		if len(c.Members) > 0 {
			owner = c.Members[0]
		}
		items = append(items, map[string]any{"chat_id": c.ChatID, "name": c.Name, "avatar": "", "description": "",
			"owner_id": owner, "owner_id_type": "open_id", "external": false, "tenant_key": s.cfg.TenantKey, "chat_status": "normal"})
	}
	data := map[string]any{"items": items, "has_more": end < len(ids)}
	if end < len(ids) {
		data["page_token"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return ok(data)
}
