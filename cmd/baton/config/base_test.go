package config

import (
	"strings"
	"testing"
)

func TestParseBase(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	s, err := ParseSettings([]byte("base: {app_token: bascnAbc12345, table_id: tblXyz123, full_contact: true}\n"), "baton.yaml", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if b := s.Base; b == nil || b.AppToken != "bascnAbc12345" || b.TableID != "tblXyz123" || !b.FullContact || b.Link != defaultBaseLink {
		t.Fatalf("base: %+v", s.Base)
	}
	s, err = ParseSettings([]byte("base: {app_token: bascnAbc12345}\n"), "baton.yaml", getenv)
	if err != nil || s.Base.TableID != "" || s.Base.FullContact {
		t.Fatalf("without table_id: %+v %v", s.Base, err)
	}
	if s, _ := ParseSettings(nil, "baton.yaml", getenv); s.Base != nil {
		t.Fatalf("no base: section: %+v", s.Base)
	}
	for _, bad := range []string{
		"base: {table_id: tblXyz123}\n",
		"base: {app_token: bascnAbc12345, table_id: xyz}\n",
		"base: {app_token: bascnAbc12345, full_contact: maybe}\n",
		"base: {app_token: bascnAbc12345, colour: red}\n",
	} {
		if _, err := ParseSettings([]byte(bad), "baton.yaml", getenv); err == nil || !strings.Contains(err.Error(), "base") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
