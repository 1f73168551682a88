package larktest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// routeScopes maps each scoped route to the scopes that unlock it: any one of them is enough. Sources, the
// "权限要求" table of each API page:
//   - create, reply: https://open.feishu.cn/document/server-docs/im-v1/message/create and .../message/reply
//   - patch: https://open.feishu.cn/document/server-docs/im-v1/message-card/patch
//   - urgent_app: https://open.feishu.cn/document/server-docs/im-v1/buzz-messages/urgent_app
//   - get message: https://open.feishu.cn/document/server-docs/im-v1/message/get
//   - chat, chat members: https://open.feishu.cn/document/server-docs/group/chat/get and
//     https://open.feishu.cn/document/server-docs/group/chat-member/get
//   - contact user: https://open.feishu.cn/document/server-docs/contact-v3/user/get (the same list appears in a
//     real 99991672 answer quoted in github.com/m1heng/clawdbot-feishu/issues/149)
//
// The delayed card update, bot info, token and scope-list endpoints need no scope.
var routeScopes = map[string][]string{
	RouteCreateMessage:  {"im:message", "im:message:send_as_bot", "im:message:send"},
	RouteReplyMessage:   {"im:message", "im:message:send_as_bot", "im:message:send"},
	RoutePatchMessage:   {"im:message", "im:message:send_as_bot", "im:message:update"},
	RouteUrgentApp:      {"im:message.urgent"},
	RouteGetMessage:     {"im:message", "im:message:readonly", "im:message.history:readonly"},
	RouteGetChat:        {"im:chat", "im:chat:readonly"},
	RouteListChats:      {"im:chat", "im:chat:readonly"},
	RouteGetChatMembers: {"im:chat", "im:chat:readonly", "im:chat.members:read"},
	RouteGetUser: {"contact:contact.base:readonly", "contact:contact:access_as_app", "contact:contact:readonly",
		"contact:contact:readonly_as_app"},
}

// ScopeUserName is the field permission that fills a user's name and en_name in contact answers; without it
// Lark answers the user without them (the "字段权限要求" of the contact user get page).
const ScopeUserName = "contact:user.base:readonly"

// DefaultScopes are the scopes a new emulator grants: every scope Baton needs, so tests that do not care
// about permissions pass. Event scopes are listed for the scope-list API; the emulator does not gate events.
var DefaultScopes = []string{
	"im:message", "im:message:send_as_bot", "im:message.urgent", "im:chat:readonly",
	"contact:contact.base:readonly", ScopeUserName,
	"im:message.p2p_msg:readonly", "im:message.group_at_msg:readonly",
}

// botRoutes need the app's bot ability; without it Lark answers 230006 (the patch page's error table lists
// "230006 机器人能力未启用" for message APIs).
var botRoutes = map[string]bool{
	RouteCreateMessage: true, RouteReplyMessage: true, RoutePatchMessage: true, RouteUrgentApp: true,
}

// scopeDeniedLocked fills rep with Lark's 99991672 answer and returns true when route needs a scope the app
// lacks. The message format is Lark's, as quoted in github.com/m1heng/clawdbot-feishu/issues/149 and
// github.com/modelzen/feishu-codex-bridge/issues/9; troubleshooting page:
// https://open.feishu.cn/document/uAjLw4CM/ugTN1YjL4UTN24CO1UjN/trouble-shooting/how-to-fix-the-99991672-error
func (s *Server) scopeDeniedLocked(route string, rep *reply) bool {
	need := routeScopes[route]
	if len(need) == 0 {
		return false
	}
	for _, sc := range need {
		if s.st.scopes[sc] {
			return false
		}
	}
	list := strings.Join(need, ", ")
	msg := fmt.Sprintf("Access denied. One of the following scopes is required: [%s].应用尚未开通所需的应用身份权限：[%s]，"+
		"点击链接申请并开通任一权限即可：https://open.feishu.cn/app/%s/auth?q=%s&op_from=openapi&token_type=tenant",
		list, list, s.cfg.AppID, strings.Join(need, ","))
	violations := make([]any, 0, len(need))
	for _, sc := range need {
		violations = append(violations, map[string]any{"type": "action_scope_required", "subject": sc})
	}
	*rep = bad(CodeScopeMissing, msg)
	rep.errExtra = map[string]any{"permission_violations": violations}
	return true
}

// botInactiveLocked fills rep with 230006 when the route needs the bot ability and it is off.
func (s *Server) botInactiveLocked(route string, rep *reply) bool {
	if !s.st.botOff || !botRoutes[route] {
		return false
	}
	*rep = bad(CodeBotNotActivated, "Bot ability is not activated.")
	return true
}

// SetScopes replaces the app's granted scopes (tenant identity). With no arguments the app has none.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.scopes = map[string]bool{}
	for _, sc := range scopes {
		s.st.scopes[sc] = true
	}
	s.changedLocked()
}

// GrantScope adds one scope, as an admin approving it in the developer console would.
func (s *Server) GrantScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.scopes[scope] = true
	s.changedLocked()
}

// RevokeScope removes one scope. An API that any remaining scope still unlocks keeps working, as on Lark.
func (s *Server) RevokeScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.scopes, scope)
	s.changedLocked()
}

// Scopes returns the granted scopes, sorted.
func (s *Server) Scopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grantedLocked()
}

func (s *Server) grantedLocked() []string {
	out := make([]string, 0, len(s.st.scopes))
	for sc := range s.st.scopes {
		out = append(out, sc)
	}
	sort.Strings(out)
	return out
}

// SetBotActivated switches the app's bot ability. Off, message APIs answer 230006 and /bot/v3/info reports
// activate_status 0 instead of 2 (Lark documents 2 as "enabled"; the value for a disabled bot ability is not
// documented, 0 is chosen).
func (s *Server) SetBotActivated(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.botOff = !on
	s.changedLocked()
}

// SetBotInChat adds the bot to a group or removes it; sending to a chat the bot is not in answers 230002.
// It reports false for an unknown chat.
func (s *Server) SetBotInChat(chatID string, in bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.chatByID[chatID]
	if c == nil {
		return false
	}
	c.BotOut = !in
	s.changedLocked()
	return true
}

// RemoveBotFromChat is SetBotInChat(chatID, false).
func (s *Server) RemoveBotFromChat(chatID string) bool { return s.SetBotInChat(chatID, false) }

// SetInContactRange puts a user inside or outside the app's contact range. Outside, contact look-ups answer
// 41050; messages and chat membership are unaffected. It reports false for an unknown user.
func (s *Server) SetInContactRange(openID string, in bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.userByID[openID]
	if u == nil {
		return false
	}
	u.OutOfContactRange = !in
	s.changedLocked()
	return true
}

// HideUser is SetInContactRange(openID, false).
func (s *Server) HideUser(openID string) bool { return s.SetInContactRange(openID, false) }

// Advance moves the emulator's clock forward by d (from whatever clock SetNow installed), e.g. past the
// 14-day card window.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.st.now
	s.st.now = func() time.Time { return prev().Add(d) }
	s.changedLocked()
}

// handleListScopes serves the app's scope list, GET /open-apis/application/v6/scopes (SDK
// service/application/v6 Scope.List; page https://open.feishu.cn/document/server-docs/application-v6/scope/list).
// Every scope the emulator knows (granted or needed by a route) is listed. grant_status is 1 for granted
// and 0 for not granted: the SDK names the field without listing its values, so the values are chosen.
func (s *Server) handleListScopes(a *apiReq) reply {
	known := map[string]bool{}
	for _, sc := range DefaultScopes {
		known[sc] = true
	}
	for _, list := range routeScopes {
		for _, sc := range list {
			known[sc] = true
		}
	}
	for sc := range s.st.scopes {
		known[sc] = true
	}
	names := make([]string, 0, len(known))
	for sc := range known {
		names = append(names, sc)
	}
	sort.Strings(names)
	scopes := make([]any, 0, len(names))
	for _, sc := range names {
		status := 0
		if s.st.scopes[sc] {
			status = 1
		}
		scopes = append(scopes, map[string]any{"scope_name": sc, "grant_status": status, "scope_type": "tenant"})
	}
	return ok(map[string]any{"scopes": scopes})
}

// ctlAccess configures scopes, bot ability, chat membership and contact range over the control API:
// POST /__emu/access with any of {"scopes":[…]}, {"bot_activated":bool}, {"chat_id":…,"bot_in_chat":bool},
// {"open_id":…,"in_contact_range":bool}, {"advance_seconds":n}.
func (s *Server) ctlAccess(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Scopes         *[]string `json:"scopes"`
		BotActivated   *bool     `json:"bot_activated"`
		ChatID         string    `json:"chat_id"`
		BotInChat      *bool     `json:"bot_in_chat"`
		OpenID         string    `json:"open_id"`
		InContactRange *bool     `json:"in_contact_range"`
		AdvanceSeconds int       `json:"advance_seconds"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Scopes != nil {
		s.SetScopes(*req.Scopes...)
	}
	if req.BotActivated != nil {
		s.SetBotActivated(*req.BotActivated)
	}
	if req.BotInChat != nil && !s.SetBotInChat(req.ChatID, *req.BotInChat) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown chat " + req.ChatID})
		return
	}
	if req.InContactRange != nil && !s.SetInContactRange(req.OpenID, *req.InContactRange) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown user " + req.OpenID})
		return
	}
	if req.AdvanceSeconds > 0 {
		s.Advance(time.Duration(req.AdvanceSeconds) * time.Second)
	}
	s.mu.Lock()
	out := map[string]any{"scopes": s.grantedLocked(), "bot_activated": !s.st.botOff}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// hasScopeLocked reports whether the app holds the scope.
func (s *Server) hasScopeLocked(scope string) bool { return s.st.scopes[scope] }
