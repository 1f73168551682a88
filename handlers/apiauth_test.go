package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// TestSignedPushCoversTheTimestamp: a signature is HMAC-SHA256 over "<X-Baton-Timestamp>.<body>"; a push
// whose timestamp is missing, malformed or more than five minutes from the server's clock is refused with
// a 401 that says why, and so is a legacy signature over the body alone, so a captured push cannot be
// replayed later.
func TestSignedPushCoversTheTimestamp(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h := &API{Service: &crm.Service{
		Settings: &crm.Settings{Sources: []crm.Source{{Key: "ads", Secret: "s3cret"}}},
		Now:      func() time.Time { return now },
	}}
	body := []byte(`{"phone":"13800138000"}`)
	mac := func(msg string) string {
		m := hmac.New(sha256.New, []byte("s3cret"))
		m.Write([]byte(msg))
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	ts := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	tests := []struct {
		name      string
		timestamp string
		signature string
		msg       string // "" means accepted
	}{
		{"current", ts(now), mac(ts(now) + "." + string(body)), ""},
		{"4 minutes slow", ts(now.Add(-4 * time.Minute)), mac(ts(now.Add(-4*time.Minute)) + "." + string(body)), ""},
		{"4 minutes fast", ts(now.Add(4 * time.Minute)), mac(ts(now.Add(4*time.Minute)) + "." + string(body)), ""},
		{"replayed after 6 minutes", ts(now.Add(-6 * time.Minute)), mac(ts(now.Add(-6*time.Minute)) + "." + string(body)), "more than 5 minutes"},
		{"from the future", ts(now.Add(6 * time.Minute)), mac(ts(now.Add(6*time.Minute)) + "." + string(body)), "more than 5 minutes"},
		{"no timestamp", "", mac(string(body)), "X-Baton-Timestamp is required"},
		{"legacy body-only signature", ts(now), mac(string(body)), "signature does not match"},
		{"timestamp changed after signing", ts(now.Add(-time.Second)), mac(ts(now) + "." + string(body)), "signature does not match"},
		{"timestamp not a number", "yesterday", mac("yesterday." + string(body)), "unix seconds"},
		{"timestamp in milliseconds", strconv.FormatInt(now.UnixMilli(), 10), mac(strconv.FormatInt(now.UnixMilli(), 10) + "." + string(body)), "more than 5 minutes"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/api/v1/leads", nil)
		r.Header.Set("X-Baton-Source", "ads")
		r.Header.Set("X-Baton-Signature", tt.signature)
		if tt.timestamp != "" {
			r.Header.Set("X-Baton-Timestamp", tt.timestamp)
		}
		src, err := h.authenticate(r, body)
		if tt.msg == "" {
			if err != nil || src == nil || src.Key != "ads" {
				t.Errorf("%s: refused: %v", tt.name, err)
			}
			continue
		}
		status, e := toAPIError(err)
		if err == nil || status != 401 || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("%s: got %v (status %d); want 401 saying %q", tt.name, err, status, tt.msg)
		}
	}
}
