package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"15m", 15 * time.Minute, true},
		{"2h", 2 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"0", 0, true},
		{"1.5h", 90 * time.Minute, true},
		{"", 0, false},
		{"5x", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"12h1d", 0, false},
		{"1d1d", 0, false},
		{"-5m", 0, false},
		{"+5m", 0, false},
		{"1d-1h", 0, false},
		{"7", 0, false},
		{"106752d", 0, false}, // more days than fit in a time.Duration
		{"106751d23h59m59s", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatDurationRoundTrip(t *testing.T) {
	t.Parallel()
	tests := map[time.Duration]string{
		0:                             "0s",
		90 * time.Second:              "1m30s",
		15 * time.Minute:              "15m",
		2 * time.Hour:                 "2h",
		24 * time.Hour:                "1d",
		36 * time.Hour:                "1d12h",
		30*24*time.Hour + time.Minute: "30d1m",
		1500 * time.Millisecond:       "1.5s",
	}
	for d, want := range tests {
		got := formatDuration(d)
		if got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		back, err := ParseDuration(got)
		if err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"A": "alpha", "B_2": "$beta"})
	tests := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"${A}", "alpha", ""},
		{"x-${A}-${B_2}-y", "x-alpha-$beta-y", ""}, // a $ inside a value is not expanded again
		{"$$", "$", ""},
		{"$${A}", "${A}", ""},
		{"${MISSING}", "", "environment variable MISSING is not set"},
		{"${A", "", `unterminated "${"`},
		{"${}", "", `"" is not a valid environment variable name`},
		{"${1A}", "", `"1A" is not a valid environment variable name`},
		{"$A", "", `a lone "$"; write $$ for a dollar sign or ${VAR} for a variable`},
		{"cost$", "", `a lone "$" at the end; write $$ for a dollar sign or ${VAR} for a variable`},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, env)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, got, gotErr, tt.want, tt.err)
		}
	}
}
