package crm

import (
	"errors"
	"time"
)

// BusinessHours is a working calendar: the days and hours SLA clocks run, in one time zone.
//
// Start and End are wall-clock times of day: on a day when daylight saving time starts, 09:00 is still 09:00
// on the clock, not nine elapsed hours after midnight. A nil *BusinessHours means wall time: every method
// then behaves as if the clock never stopped. A calendar that Validate rejects behaves the same way, so a bad
// configuration delays nothing forever.
type BusinessHours struct {
	Location *time.Location  // nil means UTC
	Days     [7]bool         // indexed by time.Weekday
	Start    time.Duration   // opening time as an offset from local midnight
	End      time.Duration   // closing time as an offset from local midnight; End > Start
	Holidays map[string]bool // local dates ("2006-01-02") that are closed although their weekday is open
	Workdays map[string]bool // local dates that are open although their weekday is closed (调休)
}

// dateLayout is the key format of Holidays and Workdays.
const dateLayout = "2006-01-02"

// Validate reports a calendar that could never open: no open weekday, or hours outside one day.
func (b *BusinessHours) Validate() error {
	if b == nil {
		return nil
	}
	if b.Start < 0 || b.End > 24*time.Hour || b.End <= b.Start {
		return errors.New("business hours: start must be before end, both within one day")
	}
	for _, open := range b.Days {
		if open {
			return nil
		}
	}
	return errors.New("business hours: no open weekday")
}

// wall reports whether the calendar degenerates to wall time (nil or invalid).
func (b *BusinessHours) wall() bool { return b == nil || b.Validate() != nil }

func (b *BusinessHours) loc() *time.Location {
	if b.Location == nil {
		return time.UTC
	}
	return b.Location
}

// day is one local calendar date in the calendar's zone.
type day struct {
	y    int
	m    time.Month
	d    int
	zone *time.Location
}

func (b *BusinessHours) dayOf(t time.Time) day {
	y, m, d := t.In(b.loc()).Date()
	return day{y, m, d, b.loc()}
}

func (d day) midnight() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, d.zone) }

// at returns the wall-clock time off past midnight; time.Date normalises the overflowing nanoseconds into
// hours and minutes, which keeps 09:00 at 09:00 across a DST change.
func (d day) at(off time.Duration) time.Time {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, int(off), d.zone)
}

func (d day) next(n int) day {
	t := time.Date(d.y, d.m, d.d+n, 0, 0, 0, 0, d.zone)
	y, m, dd := t.Date()
	return day{y, m, dd, d.zone}
}

func (d day) key() string { return d.midnight().Format(dateLayout) }

// isOpen reports whether the calendar opens on d at all.
func (b *BusinessHours) isOpen(d day) bool {
	if len(b.Holidays) > 0 || len(b.Workdays) > 0 {
		k := d.key()
		if b.Holidays[k] {
			return false
		}
		if b.Workdays[k] {
			return true
		}
	}
	return b.Days[d.midnight().Weekday()]
}

// hours returns d's opening and closing instants, and false when d is closed.
func (b *BusinessHours) hours(d day) (open, close time.Time, ok bool) {
	if !b.isOpen(d) {
		return time.Time{}, time.Time{}, false
	}
	return d.at(b.Start), d.at(b.End), true
}

// weekly is the business time in a regular week: no holiday, no make-up workday, no zone change.
func (b *BusinessHours) weekly() time.Duration {
	var w time.Duration
	for _, open := range b.Days {
		if open {
			w += b.End - b.Start
		}
	}
	return w
}

// regularWeek reports whether the seven days from d hold exactly weekly() of business time: none of them is
// a holiday or a make-up workday and the zone's offset does not change inside them (DST weeks are walked day
// by day instead).
func (b *BusinessHours) regularWeek(d day) bool {
	start := d.midnight()
	end := d.next(7).midnight()
	if _, zoneEnd := start.ZoneBounds(); !zoneEnd.IsZero() && zoneEnd.Before(end) {
		return false
	}
	if len(b.Holidays) == 0 && len(b.Workdays) == 0 {
		return true
	}
	for i := 0; i < 7; i++ {
		k := d.next(i).key()
		if b.Holidays[k] || b.Workdays[k] {
			return false
		}
	}
	return true
}

// Open reports whether t falls inside business hours.
func (b *BusinessHours) Open(t time.Time) bool {
	if b.wall() {
		return true
	}
	open, close, ok := b.hours(b.dayOf(t))
	return ok && !t.Before(open) && t.Before(close)
}

// NextOpen returns t itself when the calendar is open at t, otherwise the next opening.
func (b *BusinessHours) NextOpen(t time.Time) time.Time {
	if b.wall() {
		return t
	}
	// Validate guarantees an open weekday, so at most a week plus the holidays on the way are walked.
	for d := b.dayOf(t); ; d = d.next(1) {
		open, close, ok := b.hours(d)
		if !ok || !t.Before(close) {
			continue
		}
		if t.Before(open) {
			return open
		}
		return t
	}
}

// DayStart returns local midnight of t's day, where daily caps (claims per day) reset. A nil calendar uses
// t's own location.
func (b *BusinessHours) DayStart(t time.Time) time.Time {
	if b == nil {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	}
	return b.dayOf(t).midnight()
}

// Add returns the instant when d of business time has passed since t. Counting starts at t, or at the next
// opening when t is outside hours; d <= 0 therefore gives NextOpen(t). When d runs out exactly at a closing
// time, that closing time is returned rather than the next opening. Long spans skip whole regular weeks.
func (b *BusinessHours) Add(t time.Time, d time.Duration) time.Time {
	if b.wall() {
		return t.Add(d)
	}
	if d <= 0 {
		return b.NextOpen(t)
	}
	week := b.weekly()
	cur := t
	dd := b.dayOf(t)
	for {
		open, close, ok := b.hours(dd)
		// A whole week can be skipped only from a point before its first opening, and only while d lasts
		// beyond it, so the answer is always found by the day-by-day walk.
		if (!ok || !cur.After(open)) && d > week && b.regularWeek(dd) {
			d -= week
			dd = dd.next(7)
			cur = dd.midnight()
			continue
		}
		if ok {
			if cur.Before(open) {
				cur = open
			}
			if cur.Before(close) {
				left := close.Sub(cur)
				if d <= left {
					return cur.Add(d)
				}
				d -= left
			}
		}
		dd = dd.next(1)
		cur = dd.midnight()
	}
}

// Between returns the business time in [a, c); zero when c is not after a.
func (b *BusinessHours) Between(a, c time.Time) time.Duration {
	if b.wall() {
		return c.Sub(a)
	}
	if !c.After(a) {
		return 0
	}
	week := b.weekly()
	var sum time.Duration
	cur := a
	for dd := b.dayOf(a); cur.Before(c); {
		open, close, ok := b.hours(dd)
		next := dd.next(1).midnight()
		if !ok || !cur.After(open) {
			if end := dd.next(7).midnight(); !end.After(c) && b.regularWeek(dd) {
				sum += week
				dd = dd.next(7)
				cur = end
				continue
			}
		}
		if ok {
			from, to := later(cur, open), earlier(c, close)
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
		dd = dd.next(1)
		cur = next
	}
	return sum
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
