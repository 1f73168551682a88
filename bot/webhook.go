package bot

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
)

// replayWindow is how far X-Lark-Request-Timestamp may be from now; the SDK does not look at it.
const replayWindow = 5 * time.Minute

type webhook struct {
	in  *intake
	d   *dispatcher.EventDispatcher
	cfg IntakeConfig
}

// NewWebhook returns the handler for POST /lark/events: events and card callbacks, encrypted and signed.
// It refuses to build without an encrypt key, because the SDK verifies nothing without one. Beyond the
// SDK's checks it refuses plaintext bodies, stale or missing timestamps, wrong verification tokens and
// oversized bodies, and acts on each event_id once. Refusals are 4xx with a logged reason, never a 5xx that
// Lark would keep retrying.
func NewWebhook(cfg IntakeConfig) (http.Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.EncryptKey == "" {
		return nil, errors.New("lark webhook: an encrypt key is required (LARK_ENCRYPT_KEY); without it nothing is verified")
	}
	in := &intake{cfg: cfg}
	return &webhook{in: in, d: in.dispatcher(cfg.VerificationToken, cfg.EncryptKey), cfg: cfg}, nil
}

// envelope is the decrypted body, read just enough to check it before the SDK dispatches it.
type envelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Token     string `json:"token"`
	Header    *struct {
		EventID   string `json:"event_id"`
		EventType string `json:"event_type"`
		Token     string `json:"token"`
	} `json:"header"`
	Event json.RawMessage `json:"event"`
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			h.cfg.Logger.Error("lark event intake panicked", "panic", v, "stack", string(debug.Stack()))
			writeJSON(w, http.StatusInternalServerError, []byte(`{"msg":"internal error"}`))
		}
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		h.refuse(w, http.StatusBadRequest, "unreadable body")
		return
	}
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		h.refuse(w, http.StatusBadRequest, "malformed json")
		return
	}
	var cipherText string
	if raw, ok := outer["encrypt"]; !ok || len(outer) != 1 || json.Unmarshal(raw, &cipherText) != nil || cipherText == "" {
		h.refuse(w, http.StatusBadRequest, "plaintext body refused: an encrypt key is configured")
		return
	}
	// The signature covers the raw body, so forged bodies are refused before anything is decrypted. Lark
	// sends only url_verification unsigned.
	signed := r.Header.Get("X-Lark-Signature") != ""
	if signed {
		if reason := h.verifySignature(r, body); reason != "" {
			h.refuse(w, http.StatusUnauthorized, reason)
			return
		}
	}
	plain, err := decrypt(cipherText, h.cfg.EncryptKey)
	if err != nil {
		h.refuse(w, http.StatusBadRequest, "undecryptable body")
		return
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		h.refuse(w, http.StatusBadRequest, "malformed decrypted json")
		return
	}
	if env.Type == "url_verification" {
		h.challenge(w, env)
		return
	}
	if !signed {
		h.refuse(w, http.StatusUnauthorized, "unsigned event", "event_id", eventIDOf(env))
		return
	}
	if h.cfg.VerificationToken != "" && (env.Header == nil || !equal(env.Header.Token, h.cfg.VerificationToken)) {
		h.refuse(w, http.StatusUnauthorized, "wrong verification token", "event_id", eventIDOf(env))
		return
	}
	if env.Header == nil || !slices.Contains(handledEvents, env.Header.EventType) && !slices.Contains(ignoredEvents, env.Header.EventType) {
		// Answered 200 so Lark does not retry an event Baton has no use for (the console decides what is sent).
		h.cfg.Logger.Info("lark event type not handled", "event_id", eventIDOf(env), "event_type", eventTypeOf(env))
		writeJSON(w, http.StatusOK, []byte(`{"msg":"ignored"}`))
		return
	}
	if env.Header.EventType == "card.action.trigger" && !valueIsObject(env.Event) {
		// The SDK fails to decode string values and would answer 500.
		h.refuse(w, http.StatusBadRequest, "card action value is not an object", "event_id", eventIDOf(env))
		return
	}
	resp := h.d.Handle(r.Context(), &larkevent.EventReq{
		Header: map[string][]string(r.Header), Body: body, RequestURI: r.RequestURI,
	})
	if resp.StatusCode >= 500 {
		// Our handlers do not fail, so this is an event the SDK cannot decode: retrying will not help.
		h.refuse(w, http.StatusBadRequest, "event not decodable", "event_id", eventIDOf(env), "detail", string(resp.Body))
		return
	}
	writeJSON(w, resp.StatusCode, resp.Body)
}

// challenge answers url_verification. Lark sends it without signature headers; decrypting it at all proves
// the sender holds the encrypt key, and the verification token is checked as well.
func (h *webhook) challenge(w http.ResponseWriter, env envelope) {
	if h.cfg.VerificationToken != "" && !equal(env.Token, h.cfg.VerificationToken) {
		h.refuse(w, http.StatusUnauthorized, "url verification with a wrong token")
		return
	}
	b, _ := json.Marshal(map[string]string{"challenge": env.Challenge})
	writeJSON(w, http.StatusOK, b)
}

// verifySignature returns why the request is refused, or "" when its timestamp is fresh and its signature
// right. The SDK checks the signature too but never the timestamp, so a captured request could be replayed.
func (h *webhook) verifySignature(r *http.Request, body []byte) string {
	ts := r.Header.Get("X-Lark-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "missing or malformed timestamp"
	}
	if d := h.cfg.Now().Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
		return "stale timestamp"
	}
	want := larkevent.Signature(ts, r.Header.Get("X-Lark-Request-Nonce"), h.cfg.EncryptKey, string(body))
	if !equal(r.Header.Get("X-Lark-Signature"), want) {
		return "bad signature"
	}
	return ""
}

func (h *webhook) refuse(w http.ResponseWriter, status int, reason string, attrs ...any) {
	h.cfg.Logger.Warn("lark request refused", append([]any{"status", status, "reason", reason}, attrs...)...)
	b, _ := json.Marshal(map[string]string{"msg": reason})
	writeJSON(w, status, b)
}

// writeJSON sets the headers before the status; the SDK's own adapter does it the other way round and
// loses its Content-Type.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func eventTypeOf(env envelope) string {
	if env.Header == nil {
		return ""
	}
	return env.Header.EventType
}

func eventIDOf(env envelope) string {
	if env.Header == nil {
		return ""
	}
	return env.Header.EventID
}

// valueIsObject reports whether event.action.value is a JSON object (or absent).
func valueIsObject(event json.RawMessage) bool {
	var e struct {
		Action *struct {
			Value json.RawMessage `json:"value"`
		} `json:"action"`
	}
	if json.Unmarshal(event, &e) != nil {
		return false
	}
	if e.Action == nil {
		return true
	}
	v := bytes.TrimSpace(e.Action.Value)
	return len(v) == 0 || v[0] == '{' || bytes.Equal(v, []byte("null"))
}

// decrypt is the SDK's EventDecrypt made total: the SDK slices the plaintext from its first '{' to its last
// '}' and panics when a valid ciphertext decrypts to text where the last comes first.
func decrypt(cipherText, key string) (plain []byte, err error) {
	defer func() {
		if recover() != nil {
			plain, err = nil, errors.New("decrypted body is not a JSON object")
		}
	}()
	return larkevent.EventDecrypt(cipherText, key)
}
