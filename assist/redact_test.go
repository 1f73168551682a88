package assist

import (
	"strings"
	"testing"
)

// TestRedactRestore: phones (valid or not, any spacing) and emails become placeholders, the same value
// the same placeholder, and Restore puts them back.
func TestRedactRestore(t *testing.T) {
	t.Parallel()
	text := "王磊 139 1234 5678 / 13912345678, mail wanglei@hdjm.com.cn; again 139 1234 5678; order 20261201 ok"
	red, ph := Redact(text, nil)
	for _, leak := range []string{"1234", "wanglei", "hdjm"} {
		if strings.Contains(red, leak) {
			t.Errorf("redacted text keeps %q: %s", leak, red)
		}
	}
	want := "王磊 [PHONE_1] / [PHONE_2], mail [EMAIL_1]; again [PHONE_1]; order [PHONE_3] ok"
	if red != want {
		t.Errorf("redacted = %q, want %q", red, want)
	}
	if got := ph.Restore(red); got != text {
		t.Errorf("restored = %q, want %q", got, text)
	}
}

// TestRedactPrivate: a pii field's values are replaced wherever they appear, the longer of two overlapping
// values whole, before phones and emails; values too short to mean anything are left.
func TestRedactPrivate(t *testing.T) {
	t.Parallel()
	text := "加了微信 hdjm_wl88（旧号 hdjm_wl），住 上海市浦东新区张江路88号，电话 13912345678，是"
	red, ph := Redact(text, []string{"hdjm_wl", "上海市浦东新区张江路88号", "hdjm_wl88", "是", ""})
	want := "加了微信 [PRIVATE_2]（旧号 [PRIVATE_3]），住 [PRIVATE_1]，电话 [PHONE_1]，是"
	if red != want {
		t.Errorf("redacted = %q, want %q", red, want)
	}
	if got := ph.Restore(red); got != text {
		t.Errorf("restored = %q, want %q", got, text)
	}
}
