package handlers

import "testing"

func TestLeadNumber(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]int64{
		"123": 123, " #123 ": 123, "＃45": 45, "# 7": 7,
		"#13800138000":   13800138000, // "#" makes any number a lead number
		"13800138000":    0,           // a valid mobile number is a lead entry, as before
		"张三 13800138000": 0, "0123": 0, "-1": 0, "12a": 0, "": 0, "#": 0, "99999999999999999999": 0,
	} {
		got, ok := LeadNumber(args)
		if ok != (want != 0) || got != want {
			t.Errorf("LeadNumber(%q) = %d, %v; want %d", args, got, ok, want)
		}
	}
}
