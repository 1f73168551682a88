package larktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// callbackTimeout is how long Lark waits for an event or callback response before counting it failed.
const callbackTimeout = 3 * time.Second

// ErrNoReceiver means an event had nowhere to go: no webhook set and no websocket client connected.
var ErrNoReceiver = errors.New("larktest: no webhook set and no websocket client connected")

// Delivery is the result of one delivery attempt. Err is set exactly when the attempt failed: a transport
// error, a timeout, or a non-200 answer.
type Delivery struct {
	EventID string `json:"event_id"`
	Status  int    `json:"status"`
	Body    []byte `json:"body"`
	Err     error  `json:"-"`
}

// sentEvent remembers an event so Redeliver can send the very same bytes again, as Lark's retries do.
type sentEvent struct {
	plain  []byte
	body   []byte
	header http.Header
}

var webhookClient = &http.Client{Timeout: callbackTimeout}

// SetWebhook sets the URL events and card callbacks are POSTed to (Baton's /lark/events). Events go over the
// websocket instead while a long-connection client is connected.
func (s *Server) SetWebhook(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.webhook = url
}

// Deliveries returns every delivery attempt so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.st.deliveries...)
}

// envelope builds a v2 event. create_time must be a string: the SDK fails to decode a number.
func (s *Server) envelope(eventType, eventID string, event any) ([]byte, error) {
	env := map[string]any{
		"schema": "2.0",
		"header": map[string]any{
			"event_id": eventID, "event_type": eventType, "create_time": millis(s.clock()),
			"token": s.cfg.VerificationToken, "app_id": s.cfg.AppID, "tenant_key": s.cfg.TenantKey,
		},
		"event": event,
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("marshal %s event: %w", eventType, err)
	}
	return b, nil
}

// wireRequest turns a plaintext payload into the webhook body and headers: encrypted when an Encrypt Key is
// configured, and signed either way (the SDK only checks the signature when it has a key).
func (s *Server) wireRequest(plain []byte) ([]byte, http.Header, error) {
	body := plain
	if s.cfg.EncryptKey != "" {
		enc, err := encryptEvent(s.cfg.EncryptKey, plain)
		if err != nil {
			return nil, nil, err
		}
		if body, err = json.Marshal(map[string]string{"encrypt": enc}); err != nil {
			return nil, nil, fmt.Errorf("marshal encrypted body: %w", err)
		}
	}
	ts := strconv.FormatInt(s.clock().Unix(), 10)
	nonce := randHex(8)
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "Lark-Open-Platform-Emulator")
	h.Set("X-Lark-Request-Timestamp", ts)
	h.Set("X-Lark-Request-Nonce", nonce)
	h.Set("X-Lark-Signature", signEvent(ts, nonce, s.cfg.EncryptKey, body))
	return body, h, nil
}

// BuildRequest returns the webhook body and headers for an event exactly as SendEvent would POST them,
// without sending, so tests can tamper with them. It panics if event cannot be marshalled to JSON.
func (s *Server) BuildRequest(eventType string, event any) (body []byte, header http.Header, eventID string) {
	eventID = newEventID()
	plain, err := s.envelope(eventType, eventID, event)
	if err != nil {
		panic("larktest: " + err.Error())
	}
	body, header, err = s.wireRequest(plain)
	if err != nil {
		panic("larktest: " + err.Error())
	}
	return body, header, eventID
}

// SendEvent delivers any v2 event (or the card.action.trigger callback) to the bot.
func (s *Server) SendEvent(ctx context.Context, eventType string, event any) (Delivery, error) {
	eventID, ev, err := s.prepareEvent(eventType, event)
	if err != nil {
		return Delivery{EventID: eventID, Err: err}, err
	}
	d := s.deliver(ctx, eventID, ev)
	return d, d.Err
}

// prepareEvent wraps, signs and encrypts an event for delivery and records it for Redeliver.
func (s *Server) prepareEvent(eventType string, event any) (string, sentEvent, error) {
	eventID := newEventID()
	plain, err := s.envelope(eventType, eventID, event)
	if err != nil {
		return eventID, sentEvent{}, err
	}
	body, header, err := s.wireRequest(plain)
	if err != nil {
		return eventID, sentEvent{}, err
	}
	ev := sentEvent{plain: plain, body: body, header: header}
	s.mu.Lock()
	s.st.sent[eventID] = ev
	s.mu.Unlock()
	return eventID, ev, nil
}

// Redeliver sends an earlier event again with the same body, as Lark does when it retries; the bot is
// expected to deduplicate by event_id.
func (s *Server) Redeliver(ctx context.Context, eventID string) (Delivery, error) {
	s.mu.Lock()
	ev, found := s.st.sent[eventID]
	s.mu.Unlock()
	if !found {
		err := fmt.Errorf("redeliver %s: unknown event", eventID)
		return Delivery{EventID: eventID, Err: err}, err
	}
	d := s.deliver(ctx, eventID, ev)
	return d, d.Err
}

// deliver pushes an event over the websocket when a client is connected, else POSTs it to the webhook, and
// records the attempt.
func (s *Server) deliver(ctx context.Context, eventID string, ev sentEvent) Delivery {
	d := Delivery{EventID: eventID}
	s.mu.Lock()
	url := s.st.webhook
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, callbackTimeout)
	defer cancel()
	switch conn := s.pickWS(); {
	case conn != nil:
		d.Status, d.Body, d.Err = s.pushWS(ctx, conn, ev.plain)
	case url != "":
		d.Status, d.Body, d.Err = postWebhook(ctx, url, ev.body, ev.header)
	default:
		d.Err = ErrNoReceiver
	}
	if d.Err == nil && d.Status != http.StatusOK {
		d.Err = fmt.Errorf("event %s: bot answered HTTP %d: %s", eventID, d.Status, bytes.TrimSpace(d.Body))
	}
	s.mu.Lock()
	s.st.deliveries = append(s.st.deliveries, d)
	s.changedLocked()
	s.mu.Unlock()
	return d
}

func postWebhook(ctx context.Context, url string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header = header.Clone()
	resp, err := webhookClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	// The SDK's httpserverext drops its own Content-Type, so the body is read whatever the header says.
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, b, fmt.Errorf("read webhook response: %w", err)
	}
	return resp.StatusCode, b, nil
}

// VerifyURL performs the url_verification handshake Lark runs when the request URL is configured: the
// (encrypted, when a key is set) challenge must be echoed within 1 s.
func (s *Server) VerifyURL(ctx context.Context) (Delivery, error) {
	challenge := randHex(12)
	plain, err := json.Marshal(map[string]string{"challenge": challenge, "token": s.cfg.VerificationToken, "type": "url_verification"})
	if err != nil {
		return Delivery{Err: err}, err
	}
	body, header, err := s.wireRequest(plain)
	if err != nil {
		return Delivery{Err: err}, err
	}
	s.mu.Lock()
	url := s.st.webhook
	s.mu.Unlock()
	if url == "" {
		return Delivery{Err: ErrNoReceiver}, ErrNoReceiver
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	d := Delivery{}
	d.Status, d.Body, d.Err = postWebhook(ctx, url, body, header)
	if d.Err == nil {
		var got struct {
			Challenge string `json:"challenge"`
		}
		if d.Status != http.StatusOK || json.Unmarshal(d.Body, &got) != nil || got.Challenge != challenge {
			d.Err = fmt.Errorf("url verification failed: HTTP %d: %s", d.Status, bytes.TrimSpace(d.Body))
		}
	}
	return d, d.Err
}
