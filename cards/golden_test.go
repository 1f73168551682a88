package cards

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current builders")

// TestGolden compares every card with its golden file, indented so that a diff reads well.
// Run `go test ./cards -update` after a deliberate change and review the diff.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) { compareGolden(t, tc.name, tc.build()) })
	}
}

// compareGolden checks got against testdata/<name>.golden.json, or rewrites the file under -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("card is not JSON: %v\n%s", err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./cards -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", name, diff)
	}
}

// TestBuildersAreDeterministic guards the golden files: map iteration or the clock must not leak into a card.
func TestBuildersAreDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases() {
		first := tc.build()
		for range 5 {
			if again := tc.build(); !bytes.Equal(first, again) {
				t.Fatalf("%s: two builds differ:\n%s\n%s", tc.name, first, again)
			}
		}
	}
}
