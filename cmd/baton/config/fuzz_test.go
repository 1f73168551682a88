package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseSettings feeds arbitrary documents to the parser. It must never panic, and whatever it accepts
// must hold the invariants the crm rules rely on.
func FuzzParseSettings(f *testing.F) {
	for _, name := range []string{"testdata/design.yaml", "../../../baton.example.yaml"} {
		f.Add(mustReadFile(f, name))
	}
	env := mapEnv(map[string]string{"BATON_TOKEN_WEB_FORM": "t", "BATON_SECRET_ADS": "s", "A": "1"})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSettings(data, "fuzz.yaml", env)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error not located in the file: %v", err)
			}
			return
		}
		if s.Location == nil || s.Digest.Cron == "" || len(s.Digest.To) == 0 {
			t.Fatalf("accepted settings miss defaults: %+v", s)
		}
		if bh := s.BusinessHours; bh != nil && (bh.Start >= bh.End || bh.Location == nil) {
			t.Fatalf("accepted business hours %+v", bh)
		}
		for _, p := range s.Pools {
			if p.Protection.Max < p.Protection.Default || p.Protection.WarnBefore >= p.Protection.Default {
				t.Fatalf("accepted protection %+v", p.Protection)
			}
			for i := 1; i < len(p.SLA.Unclaimed); i++ {
				if p.SLA.Unclaimed[i].After <= p.SLA.Unclaimed[i-1].After {
					t.Fatalf("accepted ladder %+v", p.SLA.Unclaimed)
				}
			}
		}
		if n := len(s.Routing); n > 0 {
			last := s.Routing[n-1]
			if last.Source != "" || last.Campaign != "" || last.Region != "" || len(last.Tags) > 0 {
				t.Fatalf("accepted routing without a default last: %+v", s.Routing)
			}
			for _, r := range s.Routing {
				if _, ok := s.Pool(r.Pool); !ok {
					t.Fatalf("accepted rule for unknown pool %q", r.Pool)
				}
			}
		}
	})
}

// The seed corpus under testdata/fuzz must stay in the format go test reads.
func TestFuzzCorpusPresent(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/fuzz/FuzzParseSettings/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "go test fuzz v1\n") {
			t.Errorf("%s is not a go fuzz corpus file", f)
		}
	}
}
