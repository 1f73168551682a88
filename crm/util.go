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
