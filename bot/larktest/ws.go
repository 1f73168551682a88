package larktest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// wsPath is where the endpoint API points long-connection clients.
const wsPath = "/ws"

// wsClientConfig is handed to clients with the endpoint. Lark sends 120 s intervals and a 30 s reconnect
// jitter; the emulator keeps the ping interval but reconnects within a couple of seconds so tests that drop
// connections do not stall. It must be complete: the SDK overwrites all four settings from it.
var wsClientConfig = map[string]int{"ReconnectCount": -1, "ReconnectInterval": 2, "ReconnectNonce": 1, "PingInterval": 120}

type wsHub struct {
	devices map[string]int32 // device_id issued by the endpoint → service_id
	conns   map[*wsConn]struct{}
	pending map[string]chan []byte // message_id of a pushed event → its ack payload
	seq     uint64
}

func (h *wsHub) init() {
	h.devices = make(map[string]int32)
	h.conns = make(map[*wsConn]struct{})
	h.pending = make(map[string]chan []byte)
}

type wsConn struct {
	conn    *websocket.Conn
	wmu     sync.Mutex // gorilla allows one concurrent writer
	service int32
}

func (c *wsConn) write(f *frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(callbackTimeout))
	return c.conn.WriteMessage(websocket.BinaryMessage, f.marshal())
}

func (s *Server) handleWSEndpoint(a *apiReq) reply {
	var req struct {
		AppID     string `json:"AppID"`
		AppSecret string `json:"AppSecret"`
	}
	if err := a.decode(&req); err != nil {
		return bad(CodeTokenBadRequest, "invalid request body")
	}
	// The SDK treats any code other than 1 and 1000040343 as a client error and stops trying.
	if req.AppID != s.cfg.AppID {
		return reply{status: http.StatusOK, code: CodeAppNotExist, msg: "app id not exists"}
	}
	if req.AppSecret != s.cfg.AppSecret {
		return reply{status: http.StatusOK, code: CodeAppSecretInvalid, msg: "app secret invalid"}
	}
	device := randHex(8)
	service := int32(rand.IntN(90000) + 10000)
	s.ws.devices[device] = service
	url := fmt.Sprintf("ws://%s%s?device_id=%s&service_id=%d", a.r.Host, wsPath, device, service)
	return reply{status: http.StatusOK, msg: "ok", data: map[string]any{"URL": url, "ClientConfig": wsClientConfig}}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveWS accepts a long connection and reads frames until it closes: pings are answered with an empty pong
// (a non-empty one would reconfigure the client), data frames are acks of pushed events.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	service, known := s.ws.devices[r.URL.Query().Get("device_id")]
	full := len(s.ws.conns) >= maxWSConnections
	s.mu.Unlock()
	switch {
	case !known:
		w.Header().Set("Handshake-Status", strconv.Itoa(CodeWSAuthFailed))
		w.Header().Set("Handshake-Msg", "unknown device_id")
		w.WriteHeader(http.StatusUnauthorized)
		return
	case full:
		w.Header().Set("Handshake-Status", strconv.Itoa(CodeWSAuthFailed))
		w.Header().Set("Handshake-Msg", "exceeded connection limit")
		w.Header().Set("Handshake-Autherrcode", strconv.Itoa(CodeWSConnLimit))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client already
	}
	c := &wsConn{conn: conn, service: service}
	s.mu.Lock()
	s.ws.conns[c] = struct{}{}
	s.changedLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.ws.conns, c)
		s.changedLocked()
		s.mu.Unlock()
		_ = conn.Close()
	}()
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if mt != websocket.BinaryMessage || f.unmarshal(data) != nil {
			continue
		}
		switch {
		case f.Method == frameControl && f.header("type") == "ping":
			pong := frame{SeqID: f.SeqID, LogID: f.LogID, Service: f.Service, Method: frameControl,
				Headers: []frameHeader{{"type", "pong"}}}
			if c.write(&pong) != nil {
				return
			}
		case f.Method == frameData:
			s.mu.Lock()
			ch := s.ws.pending[f.header("message_id")]
			s.mu.Unlock()
			if ch != nil {
				select {
				case ch <- f.Payload:
				default: // a duplicate ack; the first one counts
				}
			}
		}
	}
}

// pickWS returns one connected client at random, as Lark does in cluster mode, or nil.
func (s *Server) pickWS() *wsConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ws.conns)
	if n == 0 {
		return nil
	}
	i := rand.IntN(n)
	for c := range s.ws.conns {
		if i == 0 {
			return c
		}
		i--
	}
	return nil
}

// pushWS sends a plaintext event as a type=event data frame and waits for the ack with the same message_id.
// The ack payload is {"code":200|500,"headers":…,"data":base64(JSON answer)}.
func (s *Server) pushWS(ctx context.Context, c *wsConn, plain []byte) (int, []byte, error) {
	msgID := randHex(10)
	ack := make(chan []byte, 1)
	s.mu.Lock()
	s.ws.pending[msgID] = ack
	s.ws.seq++
	seq := s.ws.seq
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.ws.pending, msgID)
		s.mu.Unlock()
	}()
	f := frame{SeqID: seq, LogID: seq, Service: c.service, Method: frameData, Headers: []frameHeader{
		{"type", "event"}, {"message_id", msgID}, {"sum", "1"}, {"seq", "0"},
		{"trace_id", randHex(8)}, {"timestamp", strconv.FormatInt(time.Now().UnixMilli(), 10)},
	}, Payload: plain}
	if err := c.write(&f); err != nil {
		return 0, nil, fmt.Errorf("push event frame: %w", err)
	}
	select {
	case payload := <-ack:
		var resp struct {
			Code int    `json:"code"`
			Data []byte `json:"data"`
		}
		if err := json.Unmarshal(payload, &resp); err != nil {
			return 0, payload, fmt.Errorf("decode ack: %w", err)
		}
		return resp.Code, resp.Data, nil
	case <-ctx.Done():
		return 0, nil, fmt.Errorf("wait for ack: %w", ctx.Err())
	}
}

// WSClients is the number of connected long-connection clients.
func (s *Server) WSClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ws.conns)
}

// DisconnectWS drops every long connection, as a platform restart would; SDK clients reconnect on their own.
func (s *Server) DisconnectWS() { s.closeWS() }

func (s *Server) closeWS() {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.ws.conns))
	for c := range s.ws.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.conn.Close()
	}
}
