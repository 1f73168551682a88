package larktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Routes name the Open API endpoints in Call.Route and FailNext, using Lark's ":param" spelling.
const (
	RouteToken          = "POST /open-apis/auth/v3/tenant_access_token/internal"
	RouteCreateMessage  = "POST /open-apis/im/v1/messages"
	RouteReplyMessage   = "POST /open-apis/im/v1/messages/:message_id/reply"
	RoutePatchMessage   = "PATCH /open-apis/im/v1/messages/:message_id"
	RouteUrgentApp      = "PATCH /open-apis/im/v1/messages/:message_id/urgent_app"
	RouteGetMessage     = "GET /open-apis/im/v1/messages/:message_id"
	RouteCardUpdate     = "POST /open-apis/interactive/v1/card/update"
	RouteGetUser        = "GET /open-apis/contact/v3/users/:user_id"
	RouteGetChat        = "GET /open-apis/im/v1/chats/:chat_id"
	RouteGetChatMembers = "GET /open-apis/im/v1/chats/:chat_id/members"
	RouteBotInfo        = "GET /open-apis/bot/v3/info"
	RouteListScopes     = "GET /open-apis/application/v6/scopes"
	RouteWSEndpoint     = "POST /callback/ws/endpoint"
	// RouteAny in FailNext matches every route.
	RouteAny = "*"
)

// Call is one request the emulator answered on the Open API surface.
type Call struct {
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Route     string    `json:"route"` // one of the Route constants; "" for an unknown route
	At        time.Time `json:"at"`
	Status    int       `json:"status"`
	Code      int       `json:"code"`
	ChatID    string    `json:"chat_id,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
}

// Calls returns every Open API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.st.calls...)
}

// reply is what a handler answers. raw, when set, is written as the whole body (endpoints whose payload is
// top-level rather than under "data"); it must carry "code" itself.
type reply struct {
	status int
	code   int
	msg    string
	data   any
	raw    map[string]any
	header http.Header
	// errExtra is merged into the "error" object of a failed answer (e.g. permission_violations).
	errExtra map[string]any
}

func ok(data any) reply { return reply{status: http.StatusOK, msg: "success", data: data} }

func fail(status, code int, msg string) reply { return reply{status: status, code: code, msg: msg} }

// bad is the common shape of Lark's business errors: HTTP 400 with a code.
func bad(code int, msg string) reply { return fail(http.StatusBadRequest, code, msg) }

// apiReq is one decoded request handed to a handler, which runs with Server.mu held.
type apiReq struct {
	r    *http.Request
	body []byte
	call *Call
}

func (a *apiReq) decode(v any) error { return json.Unmarshal(a.body, v) }

type apiFunc func(a *apiReq) reply

// maxBody is above every Lark request limit, so the emulator's own checks (30 KB, 150 KB) see the whole body.
const maxBody = 2 << 20

// api wraps a handler with what the Lark gateway does in front of every endpoint: latency, injected faults,
// bearer auth, the app-wide rate limit, and call recording.
func (s *Server) api(route string, authed bool, fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		latency := s.st.latency
		s.mu.Unlock()
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		call := Call{Method: r.Method, Path: r.URL.Path, Route: route}
		a := &apiReq{r: r, body: body, call: &call}

		s.mu.Lock()
		call.At = s.st.now()
		var rep reply
		switch {
		case err != nil:
			rep = bad(CodeInvalidParam, "request body too large or unreadable")
		case s.takeFaultLocked(route, &rep):
		case authed && !s.authorizedLocked(r):
			rep = fail(http.StatusBadRequest, CodeInvalidToken, "Invalid access token for authorization. Please make a request with token attached.")
		case authed && s.scopeDeniedLocked(route, &rep):
		case authed && s.botInactiveLocked(route, &rep):
		case authed && s.st.enforce && !s.apiLimitLocked(route, &rep):
		default:
			rep = fn(a)
		}
		call.Status, call.Code = rep.status, replyCode(rep)
		if isRateLimitCode(call.Code) {
			s.st.rateLimited++
		}
		s.st.calls = append(s.st.calls, call)
		s.changedLocked()
		s.mu.Unlock()
		writeReply(w, rep)
	}
}

func replyCode(rep reply) int {
	if rep.raw != nil {
		if c, ok := rep.raw["code"].(int); ok {
			return c
		}
	}
	return rep.code
}

func writeReply(w http.ResponseWriter, rep reply) {
	logID := newLogID()
	var body any = rep.raw
	if rep.raw == nil {
		m := map[string]any{"code": rep.code, "msg": rep.msg}
		if rep.code == 0 {
			data := rep.data
			if data == nil {
				data = map[string]any{}
			}
			m["data"] = data
		} else {
			e := map[string]any{"log_id": logID}
			for k, v := range rep.errExtra {
				e[k] = v
			}
			m["error"] = e
		}
		body = m
	}
	h := w.Header()
	for k, vs := range rep.header {
		h[k] = vs
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Tt-Logid", logID)
	h.Set("X-Request-Id", logID)
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(body)
}

// unknownRoute fails loudly so a bot calling an endpoint the emulator lacks is noticed, not silently served.
func (s *Server) unknownRoute(w http.ResponseWriter, r *http.Request) {
	rep := fail(http.StatusNotFound, CodeUnknownRoute, "larktest: no such route: "+r.Method+" "+r.URL.Path)
	s.mu.Lock()
	s.st.calls = append(s.st.calls, Call{Method: r.Method, Path: r.URL.Path, At: s.st.now(), Status: rep.status, Code: rep.code})
	s.changedLocked()
	s.mu.Unlock()
	writeReply(w, rep)
}

// bearer extracts the token from "Authorization: Bearer …".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found {
		return ""
	}
	return strings.TrimSpace(tok)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(route string, authed bool, fn apiFunc) {
		// Lark's ":param" spelling becomes net/http's "{param}".
		method, path, _ := strings.Cut(route, " ")
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		mux.Handle(method+" "+strings.Join(parts, "/"), s.api(route, authed, fn))
	}
	handle(RouteToken, false, s.handleToken)
	handle(RouteCreateMessage, true, s.handleCreateMessage)
	handle(RouteReplyMessage, true, s.handleReplyMessage)
	handle(RoutePatchMessage, true, s.handlePatchMessage)
	handle(RouteUrgentApp, true, s.handleUrgentApp)
	handle(RouteGetMessage, true, s.handleGetMessage)
	handle(RouteCardUpdate, true, s.handleCardUpdate)
	handle(RouteGetUser, true, s.handleGetUser)
	handle(RouteGetChat, true, s.handleGetChat)
	handle(RouteListChats, true, s.handleListChats)
	handle(RouteGetChatMembers, true, s.handleGetChatMembers)
	handle(RouteBotInfo, true, s.handleBotInfo)
	handle(RouteListScopes, true, s.handleListScopes)
	handle(RouteBatchGetID, true, s.handleBatchGetID)
	handle(RouteWSEndpoint, false, s.handleWSEndpoint)
	s.taskRoutes(handle)       // task.go
	s.departmentRoutes(handle) // departments.go
	mux.HandleFunc("GET "+wsPath, s.serveWS)
	s.baseRoutes(mux)
	s.controlRoutes(mux)
	mux.HandleFunc("/", s.unknownRoute)
	return mux
}
