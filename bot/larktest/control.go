package larktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The control API lets the sandbox console drive the emulator over HTTP. It has no auth: it is meant for
// loopback only, like the emulator itself.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__emu/state", s.ctlState)
	mux.HandleFunc("POST /__emu/send", s.ctlSend)
	mux.HandleFunc("POST /__emu/click", s.ctlClick)
	mux.HandleFunc("POST /__emu/menu", s.ctlMenu)
	mux.HandleFunc("GET /__emu/events", s.ctlEvents)
	mux.HandleFunc("POST /__emu/access", s.ctlAccess)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

// ChatState is a chat with its messages, as the control API reports it.
type ChatState struct {
	Chat
	Messages []Message `json:"messages"`
}

// State is the snapshot GET /__emu/state returns.
type State struct {
	Version   uint64      `json:"version"`
	AppID     string      `json:"app_id"`
	Bot       User        `json:"bot"`
	Users     []User      `json:"users"`
	Chats     []ChatState `json:"chats"`
	WSClients int         `json:"ws_clients"`
	// Scopes are the app's granted scopes; BotActivated is false when the bot ability is off.
	Scopes       []string `json:"scopes"`
	BotActivated bool     `json:"bot_activated"`
}

func (s *Server) ctlState(w http.ResponseWriter, r *http.Request) {
	st := State{
		Version: s.Version(), AppID: s.cfg.AppID,
		Bot:   User{OpenID: s.cfg.BotOpenID, Name: s.cfg.BotName},
		Users: s.Users(), WSClients: s.WSClients(), Scopes: s.Scopes(),
	}
	s.mu.Lock()
	st.BotActivated = !s.st.botOff
	s.mu.Unlock()
	for _, c := range s.Chats() {
		st.Chats = append(st.Chats, ChatState{Chat: c, Messages: s.Messages(c.ChatID)})
	}
	writeJSON(w, http.StatusOK, st)
}

func deliveryJSON(d Delivery) map[string]any {
	out := map[string]any{"event_id": d.EventID, "status": d.Status, "body": string(d.Body)}
	if d.Err != nil {
		out["error"] = d.Err.Error()
	}
	return out
}

func (s *Server) ctlSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ChatID string `json:"chat_id"`
		OpenID string `json:"open_id"`
		Text   string `json:"text"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	d, _ := s.SendText(r.Context(), req.ChatID, req.OpenID, req.Text)
	writeJSON(w, http.StatusOK, deliveryJSON(d))
}

func (s *Server) ctlMenu(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OpenID   string `json:"open_id"`
		EventKey string `json:"event_key"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	d, _ := s.SendMenu(r.Context(), req.OpenID, req.EventKey)
	writeJSON(w, http.StatusOK, deliveryJSON(d))
}

func (s *Server) ctlClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MessageID  string         `json:"message_id"`
		Target     string         `json:"target"`
		OpenID     string         `json:"open_id"`
		FormValue  map[string]any `json:"form_value"`
		Option     *string        `json:"option"`
		Options    []string       `json:"options"`
		InputValue *string        `json:"input_value"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	var opts []ClickOption
	if req.FormValue != nil {
		opts = append(opts, FormValue(req.FormValue))
	}
	if req.Option != nil {
		opts = append(opts, Option(*req.Option))
	}
	if req.Options != nil {
		opts = append(opts, Options(req.Options))
	}
	if req.InputValue != nil {
		opts = append(opts, InputValue(*req.InputValue))
	}
	res, _ := s.Click(r.Context(), req.MessageID, req.Target, req.OpenID, opts...)
	out := deliveryJSON(res.Delivery)
	out["toast"] = res.Toast
	out["card_updated"] = res.CardUpdated
	out["response"] = res.Response
	writeJSON(w, http.StatusOK, out)
}

// ctlEvents streams server-sent events: one "change" per state change (bursts coalesce), starting with one
// right away so a console can load its first snapshot.
func (s *Server) ctlEvents(w http.ResponseWriter, r *http.Request) {
	flusher, canFlush := w.(http.Flusher)
	if !canFlush {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "streaming unsupported"})
		return
	}
	changes, cancel := s.Changes()
	defer cancel()
	// The stream outlives a server's write timeout; lift it for this response where the server allows.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	send := func() bool {
		_, err := fmt.Fprintf(w, "event: change\ndata: {\"version\":%d}\n\n", s.Version())
		flusher.Flush()
		return err == nil
	}
	if !send() {
		return
	}
	for {
		select {
		case <-changes:
			if !send() {
				return
			}
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
}
