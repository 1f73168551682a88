package crm

import (
	"testing"
	"time"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13800138000", "+8613800138000", true},
		{"138 0013 8000", "+8613800138000", true},
		{"138-0013-8000", "+8613800138000", true},
		{"+86 138 0013 8000", "+8613800138000", true},
		{"８６１３８００１３８０００", "+8613800138000", true}, // country code typed without +
		{"１３８００１３８０００", "+8613800138000", true},
		{"010-12345678", "+861012345678", true},
		{"+1 415 555 2671", "+14155552671", true},
		{"12345", "", false},
		{"not a phone", "", false},
		{"", "", false},
		{"1380013800012345678901234567890123", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("NormalizePhone(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err != nil && ErrorField(err) != "phone" {
			t.Errorf("NormalizePhone(%q) field = %q", tt.in, ErrorField(err))
		}
		if got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Zhang.San@Example.COM ", "zhang.san@example.com", true},
		{"a@b.cn", "a@b.cn", true},
		{"no-at-sign", "", false},
		{"a@localhost", "", false},
		{"Zhang <z@example.com>", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+8613800138000": "138****8000",
		"+14155552671":   "+141****2671",
		"+861012345678":  "+861****5678",
		"":               "",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskEmail("zhang@example.com"); got != "z***@example.com" {
		t.Errorf("MaskEmail = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		90 * time.Second: "1m30s", 15 * time.Minute: "15m", 2 * time.Hour: "2h", 24 * time.Hour: "1d",
		36 * time.Hour: "1d12h", 0: "0s", -5 * time.Minute: "-5m",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
