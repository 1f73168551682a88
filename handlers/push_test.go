package handlers

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// TestJiandaoyunSignatureVector checks the signature against a value computed outside Go with the Python
// of 简道云's guide (https://hc.jiandaoyun.com/open/11507): sha1(':'.join([nonce, payload, secret,
// timestamp]).encode('utf-8')).hexdigest(), so a mistake here cannot be mirrored by the tests that sign.
func TestJiandaoyunSignatureVector(t *testing.T) {
	t.Parallel()
	body := []byte(`{"op":"data_create","data":{"_id":"r1"}}`)
	if got := JiandaoyunSignature("0f5ade", body, "test-secret", "1498586609"); got != "7ece579f1cdcf05080df76ac20e1291c2ec67caf" {
		t.Fatalf("signature = %s", got)
	}
}

func TestVerifyJiandaoyun(t *testing.T) {
	t.Parallel()
	body := []byte(`{"op":"data_create","data":{"_id":"r1"}}`)
	src := &crm.Source{Key: "jdy", Kind: crm.KindJiandaoyun, Secret: "test-secret"}
	at := time.Unix(1498586609, 0)
	sig := "7ece579f1cdcf05080df76ac20e1291c2ec67caf"
	for _, tc := range []struct {
		name  string
		query string
		sig   string
		now   time.Time
		skew  time.Duration
		ok    bool
	}{
		{"valid", "timestamp=1498586609&nonce=0f5ade", sig, at, 0, true},
		{"upper-case hex and sha1= prefix", "timestamp=1498586609&nonce=0f5ade", "sha1=" + strings.ToUpper(sig), at, 0, true},
		{"4m59s late", "timestamp=1498586609&nonce=0f5ade", sig, at.Add(299 * time.Second), 0, true},
		{"5m01s late", "timestamp=1498586609&nonce=0f5ade", sig, at.Add(301 * time.Second), 0, false},
		{"5m01s early", "timestamp=1498586609&nonce=0f5ade", sig, at.Add(-301 * time.Second), 0, false},
		{"late within max_skew", "timestamp=1498586609&nonce=0f5ade", sig, at.Add(20 * time.Minute), 30 * time.Minute, true},
		{"other nonce", "timestamp=1498586609&nonce=0f5adf", sig, at, 0, false},
		{"no nonce", "timestamp=1498586609", sig, at, 0, false},
		{"no signature", "timestamp=1498586609&nonce=0f5ade", "", at, 0, false},
		{"milliseconds", "timestamp=1498586609000&nonce=0f5ade", JiandaoyunSignature("0f5ade", body, "test-secret", "1498586609000"), at, 0, false},
	} {
		r := httptest.NewRequest("POST", "/api/v1/push/jdy?"+tc.query, nil)
		if tc.sig != "" {
			r.Header.Set("X-JDY-Signature", tc.sig)
		}
		s := *src
		s.MaxSkew = tc.skew
		err := verifyJiandaoyun(r, body, &s, tc.now)
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok=%v", tc.name, err, tc.ok)
		}
		if status, _ := toAPIError(err); err != nil && status != 401 {
			t.Errorf("%s: status %d, want 401", tc.name, status)
		}
	}
}
