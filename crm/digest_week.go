package crm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Week is an ISO 8601 week (Monday to Sunday) in a time zone: Start is local Monday 00:00 and End the next
// Monday 00:00, so a lead at Sunday 23:30 local belongs to the week even when UTC already says Monday —
// or, east of UTC, when UTC still says Sunday afternoon.
type Week struct {
	Year, Num  int
	Start, End time.Time
}

// String formats the week as "2026-W48".
func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Num) }

// Prev returns the week before.
func (w Week) Prev() Week { return WeekOf(w.Start.AddDate(0, 0, -7), w.Start.Location()) }

// Contains reports whether t falls in the week.
func (w Week) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// WeekOf returns the ISO week holding t in loc.
func WeekOf(t time.Time, loc *time.Location) Week {
	lt := t.In(loc)
	offset := (int(lt.Weekday()) + 6) % 7 // days since Monday
	start := time.Date(lt.Year(), lt.Month(), lt.Day()-offset, 0, 0, 0, 0, loc)
	y, n := start.ISOWeek()
	return Week{Year: y, Num: n, Start: start, End: start.AddDate(0, 0, 7)}
}

// ISOWeek returns week num of ISO year in loc, or EINVALID when the year has no such week.
func ISOWeek(year, num int, loc *time.Location) (Week, error) {
	if year < 2000 || year > 9999 || num < 1 || num > 53 {
		return Week{}, weekError()
	}
	// January 4th is always in week 1.
	w := WeekOf(time.Date(year, time.January, 4, 12, 0, 0, 0, loc), loc)
	w = WeekOf(w.Start.AddDate(0, 0, 7*(num-1)+3), loc)
	if w.Year != year || w.Num != num {
		return Week{}, weekError()
	}
	return w, nil
}

// ParseWeek reads the week argument of /digest: empty, "this week" or "本周" is the week of now; "last
// week" or "上周" the one before; "2026-W48" (or "2026W48", "2026-w48") a given ISO week.
func ParseWeek(arg string, now time.Time, loc *time.Location) (Week, error) {
	a := strings.ToLower(strings.Join(strings.Fields(arg), " "))
	switch a {
	case "", "this week", "this", "本周", "这周", "本星期":
		return WeekOf(now, loc), nil
	case "last week", "last", "上周", "上星期", "上一周":
		return WeekOf(now, loc).Prev(), nil
	}
	y, n, ok := strings.Cut(strings.ReplaceAll(a, "-w", "w"), "w")
	if !ok || len(y) != 4 || len(n) < 1 || len(n) > 2 {
		return Week{}, weekError()
	}
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Week{}, weekError()
	}
	return ISOWeek(year, num, loc)
}

func weekError() *Error {
	return &Error{Code: EINVALID, Field: "week",
		ZH:      "无法识别的周：请用「本周」「上周」或 2026-W48 这样的 ISO 周",
		Message: "Unknown week: use this week, last week or an ISO week such as 2026-W48"}
}
