package bot

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// FuzzWebhookDecrypt sends arbitrary plaintext, correctly encrypted and signed, and arbitrary raw bodies to
// the webhook. Whatever arrives, it must not panic, and it must never answer 5xx for an event it refuses:
// Lark would retry that for hours.
func FuzzWebhookDecrypt(f *testing.F) {
	const key = "fuzz-encrypt-key"
	h, err := NewWebhook(IntakeConfig{EncryptKey: key, VerificationToken: "v", Handler: &recorder{}, Dedup: &memDeduper{}, Logger: quietLogger()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1","create_time":"1"},"event":{}}`,
		`{"schema":"2.0","header":{"event_id":"e2","event_type":"card.action.trigger","create_time":"1"},"event":{"action":{"value":"str"}}}`,
		`{"schema":"2.0","header":{"event_id":"e3","event_type":"card.action.trigger","create_time":"1"},"event":{"action":{"value":{"v":1}},"operator":{"open_id":"ou_x"}}}`,
		`{"type":"url_verification","challenge":"c","token":"v"}`,
		`{"encrypt":"nested"}`, `not json`, ``, `{"header":{"create_time":1}}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, plain []byte, wrap bool) {
		body := plain
		if wrap {
			body = encryptForFuzz(t, key, plain)
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sum := sha256.Sum256([]byte(ts + "n" + key + string(body)))
		req := httptest.NewRequest(http.MethodPost, "/lark/events", bytes.NewReader(body))
		req.Header.Set("X-Lark-Request-Timestamp", ts)
		req.Header.Set("X-Lark-Request-Nonce", "n")
		req.Header.Set("X-Lark-Signature", hex.EncodeToString(sum[:]))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, plain, rec.Body.String())
		}
	})
}

func encryptForFuzz(t *testing.T, key string, plain []byte) []byte {
	k := sha256.Sum256([]byte(key))
	blk, err := aes.NewCipher(k[:])
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(plain)%16
	buf := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	iv := make([]byte, 16)
	out := make([]byte, len(buf))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, buf)
	b, _ := json.Marshal(map[string]string{"encrypt": base64.StdEncoding.EncodeToString(append(iv, out...))})
	return b
}
