package crm

import (
	"testing"
	"time"
)

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

// officeHours is Mon–Fri 09:00–18:00 with the 2026 National Day holiday (Thu 1 Oct – Wed 7 Oct) and its
// make-up workday on Saturday 10 Oct: five weekdays closed, one Saturday open.
func officeHours(loc *time.Location) *BusinessHours {
	return &BusinessHours{
		Location: loc,
		Days:     [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Start:    9 * time.Hour,
		End:      18 * time.Hour,
		Holidays: map[string]bool{
			"2026-10-01": true, "2026-10-02": true, "2026-10-05": true, "2026-10-06": true, "2026-10-07": true,
		},
		Workdays: map[string]bool{"2026-10-10": true},
	}
}

// at parses "2006-01-02 15:04" in loc.
func at(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatalf("parse %q: %v", s, err)
	}
	return t
}

func TestBusinessHoursAdd(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	b := officeHours(sh)
	tests := []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"inside hours", "2026-11-24 10:00", 30 * time.Minute, "2026-11-24 10:30"},
		{"friday 17:55 plus 15m lands monday", "2026-11-27 17:55", 15 * time.Minute, "2026-11-30 09:10"},
		{"ends exactly at closing", "2026-11-27 17:55", 5 * time.Minute, "2026-11-27 18:00"},
		{"evening arrival starts next morning", "2026-11-24 20:30", 5 * time.Minute, "2026-11-25 09:05"},
		{"arrival before opening", "2026-11-24 07:00", 15 * time.Minute, "2026-11-24 09:15"},
		{"arrival at opening", "2026-11-24 09:00", time.Hour, "2026-11-24 10:00"},
		{"saturday arrival", "2026-11-28 11:00", 2 * time.Hour, "2026-11-30 11:00"},
		{"zero outside hours is next opening", "2026-11-28 11:00", 0, "2026-11-30 09:00"},
		{"zero inside hours is now", "2026-11-24 11:00", 0, "2026-11-24 11:00"},
		{"spans a full day", "2026-11-24 17:00", 9 * time.Hour, "2026-11-25 17:00"},
		{"holiday week closed", "2026-09-30 17:30", time.Hour, "2026-10-08 09:30"},
		{"make-up saturday open", "2026-10-09 17:00", 2 * time.Hour, "2026-10-10 10:00"},
		{"arrival on make-up saturday", "2026-10-10 08:00", time.Hour, "2026-10-10 10:00"},
		{"arrival during holiday", "2026-10-03 12:00", 4 * time.Hour, "2026-10-08 13:00"},
		{"three weeks", "2026-11-02 09:00", 3 * 45 * time.Hour, "2026-11-20 18:00"},
		{"three weeks and a bit", "2026-11-02 09:00", 3*45*time.Hour + time.Minute, "2026-11-23 09:01"},
		{"ten weeks across the holiday", "2026-09-07 09:00", 10 * 45 * time.Hour, "2026-11-19 18:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from := at(t, sh, tt.from)
			got := b.Add(from, tt.d)
			if want := at(t, sh, tt.want); !got.Equal(want) {
				t.Errorf("Add(%s, %v) = %s, want %s", tt.from, tt.d, got.In(sh).Format(time.DateTime), tt.want)
			}
			if tt.d > 0 {
				if back := b.Between(from, got); back != tt.d {
					t.Errorf("Between(%s, Add(…)) = %v, want %v", tt.from, back, tt.d)
				}
			}
		})
	}
}

func TestBusinessHoursBetween(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	b := officeHours(sh)
	tests := []struct {
		name string
		a, c string
		want time.Duration
	}{
		{"same hour", "2026-11-24 10:00", "2026-11-24 10:45", 45 * time.Minute},
		{"reversed is zero", "2026-11-24 10:45", "2026-11-24 10:00", 0},
		{"equal is zero", "2026-11-24 10:45", "2026-11-24 10:45", 0},
		{"over a weekend", "2026-11-27 17:00", "2026-11-30 10:00", 2 * time.Hour},
		{"evening only", "2026-11-24 18:00", "2026-11-24 23:00", 0},
		{"whole weekend", "2026-11-28 00:00", "2026-11-30 00:00", 0},
		{"one week", "2026-11-23 00:00", "2026-11-30 00:00", 45 * time.Hour},
		{"holiday week with make-up saturday", "2026-09-28 00:00", "2026-10-12 00:00", 6 * 9 * time.Hour},
		{"a year", "2026-01-05 00:00", "2027-01-04 00:00", 52*45*time.Hour - 4*9*time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := b.Between(at(t, sh, tt.a), at(t, sh, tt.c)); got != tt.want {
				t.Errorf("Between(%s, %s) = %v, want %v", tt.a, tt.c, got, tt.want)
			}
		})
	}
}

func TestBusinessHoursOpenAndNextOpen(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	b := officeHours(sh)
	tests := []struct {
		when string
		open bool
		next string
	}{
		{"2026-11-24 08:59", false, "2026-11-24 09:00"},
		{"2026-11-24 09:00", true, "2026-11-24 09:00"},
		{"2026-11-24 17:59", true, "2026-11-24 17:59"},
		{"2026-11-24 18:00", false, "2026-11-25 09:00"},
		{"2026-11-27 18:30", false, "2026-11-30 09:00"},
		{"2026-11-29 12:00", false, "2026-11-30 09:00"},
		{"2026-10-01 10:00", false, "2026-10-08 09:00"},
		{"2026-10-10 10:00", true, "2026-10-10 10:00"},
		{"2026-10-09 19:00", false, "2026-10-10 09:00"},
	}
	for _, tt := range tests {
		w := at(t, sh, tt.when)
		if got := b.Open(w); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.when, got, tt.open)
		}
		if got, want := b.NextOpen(w), at(t, sh, tt.next); !got.Equal(want) {
			t.Errorf("NextOpen(%s) = %s, want %s", tt.when, got.In(sh).Format(time.DateTime), tt.next)
		}
	}
}

func TestBusinessHoursNilIsWallTime(t *testing.T) {
	t.Parallel()
	var b *BusinessHours
	sh := mustLoc(t, "Asia/Shanghai")
	from := at(t, sh, "2026-11-28 23:30") // a Saturday night: wall time does not care
	if got, want := b.Add(from, 90*time.Minute), at(t, sh, "2026-11-29 01:00"); !got.Equal(want) {
		t.Errorf("nil Add = %s, want %s", got, want)
	}
	if got := b.Between(from, from.Add(time.Hour)); got != time.Hour {
		t.Errorf("nil Between = %v, want 1h", got)
	}
	if !b.Open(from) || !b.NextOpen(from).Equal(from) {
		t.Errorf("nil calendar must always be open")
	}
	if got, want := b.DayStart(from), at(t, sh, "2026-11-28 00:00"); !got.Equal(want) {
		t.Errorf("nil DayStart = %s, want %s", got, want)
	}
}

func TestBusinessHoursInvalidIsWallTime(t *testing.T) {
	t.Parallel()
	for name, b := range map[string]*BusinessHours{
		"no open day": {Start: 9 * time.Hour, End: 18 * time.Hour},
		"end first":   {Days: [7]bool{true, true, true, true, true, true, true}, Start: 18 * time.Hour, End: 9 * time.Hour},
	} {
		if b.Validate() == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
		from := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		if got := b.Add(from, time.Hour); !got.Equal(from.Add(time.Hour)) {
			t.Errorf("%s: Add = %s, want wall time", name, got)
		}
	}
	if err := officeHours(time.UTC).Validate(); err != nil {
		t.Errorf("Validate(office hours) = %v", err)
	}
}

func TestBusinessHoursDayStart(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	b := officeHours(sh)
	// 01:30 in Shanghai is still the previous day in UTC; the cap resets at Shanghai midnight.
	got := b.DayStart(time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC))
	if want := at(t, sh, "2026-11-25 00:00"); !got.Equal(want) {
		t.Errorf("DayStart = %s, want %s", got, want)
	}
}

func TestBusinessHoursDST(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	b := officeHours(ny)
	b.Holidays, b.Workdays = nil, nil
	// Daylight saving time starts Sunday 8 March 2026 and ends Sunday 1 November 2026.
	tests := []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-03-06 17:00", 2 * time.Hour, "2026-03-09 10:00"},
		{"2026-10-30 17:30", time.Hour, "2026-11-02 09:30"},
		{"2026-02-23 09:00", 4 * 45 * time.Hour, "2026-03-20 18:00"},
		{"2026-10-19 09:00", 3*45*time.Hour + time.Hour, "2026-11-09 10:00"},
	}
	for _, tt := range tests {
		from := at(t, ny, tt.from)
		got := b.Add(from, tt.d)
		if want := at(t, ny, tt.want); !got.Equal(want) {
			t.Errorf("Add(%s, %v) = %s, want %s", tt.from, tt.d, got.In(ny).Format(time.DateTime), tt.want)
		}
		if back := b.Between(from, got); back != tt.d {
			t.Errorf("Between(%s, Add) = %v, want %v", tt.from, back, tt.d)
		}
	}

	// Round the clock, the short and long days show: the week of the spring change holds 167 hours.
	all := &BusinessHours{Location: ny, Days: [7]bool{true, true, true, true, true, true, true}, End: 24 * time.Hour}
	if got := all.Between(at(t, ny, "2026-03-07 00:00"), at(t, ny, "2026-03-14 00:00")); got != 167*time.Hour {
		t.Errorf("spring week = %v, want 167h", got)
	}
	if got := all.Between(at(t, ny, "2026-10-31 00:00"), at(t, ny, "2026-11-07 00:00")); got != 169*time.Hour {
		t.Errorf("autumn week = %v, want 169h", got)
	}
	from := at(t, ny, "2026-03-07 12:00")
	if got, want := all.Add(from, 48*time.Hour), at(t, ny, "2026-03-09 13:00"); !got.Equal(want) {
		t.Errorf("Add over spring change = %s, want %s", got.In(ny), want)
	}
}

func TestBusinessHoursRoundTrip(t *testing.T) {
	t.Parallel()
	sh := mustLoc(t, "Asia/Shanghai")
	b := officeHours(sh)
	base := at(t, sh, "2026-09-25 13:17")
	for i := 0; i < 500; i++ {
		from := base.Add(time.Duration(i) * 97 * time.Minute)
		for _, d := range []time.Duration{time.Second, 7 * time.Minute, 9 * time.Hour, 45 * time.Hour, 400 * time.Hour} {
			end := b.Add(from, d)
			if got := b.Between(from, end); got != d {
				t.Fatalf("Between(%s, Add(…, %v)) = %v", from.Format(time.DateTime), d, got)
			}
			if !b.Open(end.Add(-time.Nanosecond)) {
				t.Fatalf("Add(%s, %v) = %s ends outside hours", from.Format(time.DateTime), d, end.Format(time.DateTime))
			}
		}
	}
}

func BenchmarkBusinessHoursAddYear(b *testing.B) {
	sh := mustLoc(b, "Asia/Shanghai")
	cal := officeHours(sh)
	from := at(b, sh, "2026-01-05 10:00")
	for b.Loop() {
		cal.Add(from, 52*45*time.Hour)
	}
}

// FuzzBusinessHours checks, for any start and span, that Between undoes Add and that Add never runs backwards
// in either argument.
func FuzzBusinessHours(f *testing.F) {
	f.Add(int64(1795766100), int64(900), int64(60), false)     // Friday 17:55 Shanghai + 15m
	f.Add(int64(1791000000), int64(162000), int64(3600), true) // autumn, New York, a week
	f.Add(int64(1772900000), int64(30), int64(86400), true)    // near the spring DST change
	f.Add(int64(1790000000), int64(3*162000), int64(7*86400), false)
	zones := []*time.Location{mustLoc(f, "Asia/Shanghai"), mustLoc(f, "America/New_York")}
	f.Fuzz(func(t *testing.T, start, span, shift int64, newYork bool) {
		// Keep instants within 1970–2100 and spans within about four years.
		const limit = 4_100_000_000
		start, span, shift = mod(start, limit), mod(span, 4*365*86400), mod(shift, 30*86400)
		loc := zones[0]
		if newYork {
			loc = zones[1]
		}
		b := officeHours(loc)
		from := time.Unix(start, 0)
		d := time.Duration(span) * time.Second
		end := b.Add(from, d)
		if got := b.Between(from, end); got != d {
			t.Fatalf("Between(%s, Add(…, %v)) = %v", from.In(loc), d, got)
		}
		if end.Before(from) {
			t.Fatalf("Add(%s, %v) = %s is before the start", from.In(loc), d, end.In(loc))
		}
		if later := b.Add(from, d+time.Second); later.Before(end) {
			t.Fatalf("Add not monotonic in d at %s, %v", from.In(loc), d)
		}
		if later := b.Add(from.Add(time.Duration(shift)*time.Second), d); later.Before(end) {
			t.Fatalf("Add not monotonic in t at %s + %ds, %v", from.In(loc), shift, d)
		}
		if got := b.Between(from, from.Add(time.Duration(shift)*time.Second)); got < 0 || got > time.Duration(shift)*time.Second {
			t.Fatalf("Between over %ds = %v, outside [0, wall time]", shift, got)
		}
	})
}

func mod(v, n int64) int64 {
	v %= n
	if v < 0 {
		v += n
	}
	return v
}
