package handlers

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baton-crm/baton/crm"
)

// FuzzLeadInput feeds arbitrary bodies through the lead API's decoding and validation: it must never panic,
// and whatever it accepts must be normalised (E.164 phone, lower-case email, clean text within limits, no
// direction controls).
func FuzzLeadInput(f *testing.F) {
	for _, s := range []string{
		`{"name":"张三","phone":"13800138000"}`,
		`{"email":"A@B.CN","tags":["VIP","＃大客户"],"utm":{"source":"baidu"}}`,
		`{"phone":"+1 415 555 2671","attributes":{"k":[1,2,{"x":null}]}}`,
		`{"phone":13800138000}`, `{"nmae":"x"}`, `[]`, `{"phone":"138\u0000"}`, `{"name":"**@all**","email":"a@b.co"}`,
		`{"phone":"1","email":"x"} {}`, `{"phone":"13800138000","name":"a","NAME":"b"}`, `{"email":"a@b.co","name":"\ud800"}`,
		`{"email":"a@b.co","attributes":{"n":9007199254740993,"s":"\u0000"}}`, `{"email":"a@b.co","company":"\u202e"}`, `{"tags":["` + strings.Repeat("长", 40) + `"],"phone":"13800138000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeLead(body)
		if err != nil {
			if _, ok := err.(*httpError); !ok {
				t.Fatalf("decode error of type %T: %v", err, err)
			}
			return
		}
		nl, err := in.Normalize("fuzz", time.Unix(0, 0))
		if err != nil {
			if crm.ErrorCode(err) != crm.EINVALID || crm.ErrorField(err) == "" {
				t.Fatalf("validation error without a field: %v", err)
			}
			return
		}
		if nl.Phone == "" && nl.Email == "" {
			t.Fatal("accepted a lead without contact")
		}
		if nl.Phone != "" && !strings.HasPrefix(nl.Phone, "+") {
			t.Fatalf("phone %q is not E.164", nl.Phone)
		}
		if nl.Email != strings.ToLower(nl.Email) {
			t.Fatalf("email %q not lower-cased", nl.Email)
		}
		for _, s := range []string{nl.Name, nl.Company, nl.Campaign, nl.Region, nl.Title, nl.ExternalID} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") || utf8.RuneCountInString(s) > 200 {
				t.Fatalf("accepted unclean text %q", s)
			}
		}
	})
}
