package larktest

import (
	"bytes"
	"testing"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
)

func TestCryptoAgreesWithSDK(t *testing.T) {
	plain := []byte(`{"schema":"2.0","header":{"event_id":"e1"},"event":{"text":"你好"}}`)
	for _, key := range []string{"k", "a much longer encrypt key, longer than thirty-two bytes"} {
		enc, err := encryptEvent(key, plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := larkevent.EventDecrypt(enc, key)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("SDK decrypt: %v %s", err, got)
		}
		back, err := decryptEvent(key, enc)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("own decrypt: %v %s", err, back)
		}
		// A wrong key yields garbage; its padding still checks out about one time in 256, so the test is that
		// the plaintext never comes back, not that an error always does.
		if wrong, err := decryptEvent(key+"x", enc); err == nil && bytes.Equal(wrong, plain) {
			t.Fatal("decrypt with the wrong key recovered the plaintext")
		}
	}
	body := []byte(`{"encrypt":"abc"}`)
	if got, want := signEvent("1700000000", "n0nce", "key", body), larkevent.Signature("1700000000", "n0nce", "key", string(body)); got != want {
		t.Fatalf("signature %s, SDK %s", got, want)
	}
}
