package crm

import (
	"fmt"
	"strconv"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// HumanDuration renders d for people, in Chinese and English: "2 小时 5 分钟" / "2 h 5 min".
func HumanDuration(d time.Duration) (zh, en string) {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && h > 0:
		return fmt.Sprintf("%d 天 %d 小时", days, h), fmt.Sprintf("%d d %d h", days, h)
	case days > 0:
		return fmt.Sprintf("%d 天", days), fmt.Sprintf("%d d", days)
	case h > 0 && m > 0:
		return fmt.Sprintf("%d 小时 %d 分钟", h, m), fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d 小时", h), fmt.Sprintf("%d h", h)
	default:
		return fmt.Sprintf("%d 分钟", m), fmt.Sprintf("%d min", m)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// FormatDuration writes d the way baton.yaml spells durations: "90s", "15m", "2h", "1d", "1d12h".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var out string
	if d < 0 {
		out, d = "-", -d
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for _, u := range units {
		if n := d / u.size; n > 0 {
			out += strconv.FormatInt(int64(n), 10) + u.name
			d -= n * u.size
		}
	}
	if d > 0 {
		out += d.String()
	}
	return out
}
