package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// SignatureMaxSkew is how far X-Baton-Timestamp may be from the server's clock, either way, as for Lark's
// own request timestamps.
const SignatureMaxSkew = 5 * time.Minute

// authenticate finds the source pushing the request: a bearer token matching a source's token, or an
// X-Baton-Signature of X-Baton-Timestamp and the raw body under the secret of the source named by
// X-Baton-Source (or the ?source= query parameter). Every comparison is constant-time.
func (h *API) authenticate(r *http.Request, body []byte) (*crm.Source, error) {
	sources := h.Service.Settings.Sources
	if sig := r.Header.Get("X-Baton-Signature"); sig != "" {
		key := r.Header.Get("X-Baton-Source")
		if key == "" {
			key = r.URL.Query().Get("source")
		}
		ts := r.Header.Get("X-Baton-Timestamp")
		if err := h.checkTimestamp(ts); err != nil {
			return nil, err
		}
		for i := range sources {
			s := &sources[i]
			if s.Key == key && s.Secret != "" && validSignature(sig, ts, body, s.Secret) {
				return s, nil
			}
		}
		return nil, unauthorized("signature does not match (sign \"<X-Baton-Timestamp>.<raw body>\" with the source's secret and name the source in X-Baton-Source)")
	}
	tok, ok := bearer(r)
	if !ok {
		return nil, unauthorized("missing credentials: send Authorization: Bearer <source token> or X-Baton-Signature")
	}
	var found *crm.Source
	for i := range sources {
		s := &sources[i]
		if s.Token != "" && subtle.ConstantTimeCompare([]byte(s.Token), []byte(tok)) == 1 {
			found = s
		}
	}
	if found == nil {
		return nil, unauthorized("unknown source token")
	}
	return found, nil
}

// checkTimestamp refuses a signed push whose X-Baton-Timestamp is missing, not unix seconds, or more than
// SignatureMaxSkew from now: the signature covers the timestamp, so a captured push cannot be replayed
// once that window has passed.
func (h *API) checkTimestamp(ts string) error {
	if ts == "" {
		return unauthorized("X-Baton-Timestamp is required with X-Baton-Signature (unix seconds, signed with the body)")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("X-Baton-Timestamp must be unix seconds")
	}
	now := time.Now()
	if h.Service.Now != nil {
		now = h.Service.Now()
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureMaxSkew || d < -SignatureMaxSkew {
		return unauthorized("X-Baton-Timestamp is more than 5 minutes from the server's clock: sign each push when it is sent, and check the sender's clock")
	}
	return nil
}

// validSignature checks "sha256=<hex>" against HMAC-SHA256(secret, "<timestamp>.<body>").
func validSignature(header, timestamp string, body []byte, secret string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	want, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hmac.Equal(want, m.Sum(nil))
}

func (h *API) authenticateAdmin(r *http.Request) error {
	tok, ok := bearer(r)
	if h.AdminToken == "" {
		return &httpError{http.StatusForbidden, crm.EFORBIDDEN, "read endpoints are off: set BATON_API_TOKEN", ""}
	}
	if !ok || subtle.ConstantTimeCompare([]byte(h.AdminToken), []byte(tok)) != 1 {
		return unauthorized("missing or wrong admin token")
	}
	return nil
}

func bearer(r *http.Request) (string, bool) {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func unauthorized(msg string) error {
	return &httpError{http.StatusUnauthorized, crm.EUNAUTHORIZED, msg, ""}
}
