package crm

import "testing"

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		cents int64
		ok    bool
	}{
		{"19.99", 1999, true}, // float64(19.99)*100 truncates to 1998
		{"0.29", 29, true},
		{"1.1", 110, true},
		{"12000", 1200000, true},
		{"¥12,000.50", 1200050, true},
		{"￥１２，０００．５０", 1200050, true},
		{"12,000.50元", 1200050, true},
		{"RMB 8,000", 800000, true},
		{"5万", 5000000, true},
		{"1.5万", 1500000, true},
		{"1.23456万", 1234560, true},
		{"3千", 300000, true},
		{"2亿", 20000000000, true},
		{"20k", 2000000, true},
		{" 100 ", 10000, true},
		{"0", 0, true},
		{"19.999", 0, false}, // fractions of a cent are not stored as something else
		{"1.2345678万", 0, false},
		{"-5", 0, false},
		{"abc", 0, false},
		{"1,2,3", 0, false},
		{"12,00", 0, false},
		{"1e3", 0, false},
		{"5万万", 0, false},
		{"", 0, false},
		{"1000000000001", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in)
		if tt.ok && (err != nil || got != tt.cents) {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.cents)
		}
		if !tt.ok && err == nil {
			t.Errorf("ParseAmount(%q) = %d; want an error", tt.in, got)
		}
		if !tt.ok && err != nil && (ErrorField(err) != "amount" || ErrorCode(err) != EINVALID) {
			t.Errorf("ParseAmount(%q) error %v does not name the amount field", tt.in, err)
		}
	}
}
