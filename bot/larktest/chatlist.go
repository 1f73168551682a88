package larktest

import (
	"encoding/base64"
	"sort"
	"strconv"
)

// RouteListChats lists the chats the bot is a member of ("获取用户或机器人所在的群列表",
// https://open.feishu.cn/document/server-docs/group/chat/list): page_size 1–100 (default 20), an opaque
// page_token, items {chat_id, name, description, owner_id, owner_id_type, external, tenant_key, chat_status}.
const RouteListChats = "GET /open-apis/im/v1/chats"

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
	for id, c := range s.st.chatByID {
		if !c.BotOut && c.Type != "p2p" { // p2p chats with users are not listed as groups
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
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
		items = append(items, map[string]any{"chat_id": id, "name": c.Name, "description": "", "owner_id": owner,
			"owner_id_type": "open_id", "external": false, "tenant_key": s.cfg.TenantKey, "chat_status": "normal"})
	}
	data := map[string]any{"items": items, "has_more": end < len(ids), "page_token": ""}
	if end < len(ids) {
		data["page_token"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return ok(data)
}
