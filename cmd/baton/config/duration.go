package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// ParseDuration parses a Go duration with an optional leading day count: "90s", "15m", "2h", "7d",
// "1d12h". Days are exactly 24 hours; the SLA clock decides separately whether they are business days.
// Signs are refused: no setting in baton.yaml means anything when negative.
func ParseDuration(s string) (time.Duration, error) {
	bad := errors.New("not a duration")
	if s == "" || strings.ContainsAny(s, "+-") {
		return 0, bad
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil || n > uint64(math.MaxInt64/int64(day)) {
			return 0, bad
		}
		days = time.Duration(n) * day
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	rest, err := time.ParseDuration(s)
	if err != nil || rest > math.MaxInt64-days {
		return 0, bad
	}
	return days + rest, nil
}
