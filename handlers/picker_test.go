package handlers

import (
	"testing"
	"time"

	"github.com/baton-crm/baton/bot"
)

// TestFollowUpPickerTimes: picker values are read in the configured time zone, never the server's; a date
// alone means 09:00, or, on the day itself after 09:00, an hour from now.
func TestFollowUpPickerTimes(t *testing.T) {
	t.Parallel()
	chatham, err := time.LoadLocation("Pacific/Chatham") // +12:45: no server runs in it by accident
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	now := time.Date(2030, 3, 4, 15, 0, 0, 0, chatham)
	at := func(d, h, m int) time.Time { return time.Date(2030, 3, d, h, m, 0, 0, chatham) }
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2030-03-04 20:15 +0800", time.Date(2030, 3, 4, 20, 15, 0, 0, time.FixedZone("", 8*3600))},
		{"2030-03-04 20:15", at(4, 20, 15)},
		{"2030-03-06", at(6, 9, 0)},
		{"2030-03-04", at(4, 16, 0)}, // today, 09:00 has passed: later today
	}
	for _, tc := range tests {
		u, err := workUpdate(bot.CardAction{FormValue: map[string]any{"followup": tc.in}}, chatham, now)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !u.FollowUp.Equal(tc.want) {
			t.Errorf("%q = %s, want %s", tc.in, u.FollowUp, tc.want)
		}
	}
	if _, err := parsePickerTime("next tuesday", chatham, now); err == nil {
		t.Error("a value that is not a time was accepted")
	}
}
