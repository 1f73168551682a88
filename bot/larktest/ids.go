package larktest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// randHex returns n random bytes as lower-case hex.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// stableHex derives a deterministic hex id so that, for example, a user's DM chat keeps its id across runs.
func stableHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Lark ids carry a type prefix; tests and the bot may rely on it.
func newMessageID() string   { return "om_" + randHex(16) }
func newChatID() string      { return "oc_" + randHex(16) }
func newOpenID() string      { return "ou_" + randHex(16) }
func newTenantToken() string { return "t-" + randHex(20) }
func newCardToken() string   { return "c-" + randHex(20) }
func newThreadID() string    { return "omt_" + randHex(12) }
func newEventID() string     { return randHex(16) }
func newLogID() string       { return time.Now().UTC().Format("20060102150405") + randHex(10) }
func unionIDFor(open string) string {
	return "on_" + stableHex("union", open)
}

// millis renders a time the way Lark does in JSON: milliseconds since the epoch, as a string.
func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
