package cards

import (
	"testing"

	"github.com/baton-crm/baton/crm"
)

// TestStageOptionsAreAcceptedBySave: the work form's stage list offers only what Save accepts from the
// lead's stage (staying put, or an allowed move to an open stage) — never won or lost, which Save refuses.
func TestStageOptionsAreAcceptedBySave(t *testing.T) {
	t.Parallel()
	for _, from := range crm.Stages {
		if from.Closed() {
			continue
		}
		opts := stageOptions(from)
		if len(opts) < 2 {
			t.Errorf("from %s: %d options, want the current stage and at least one move", from, len(opts))
		}
		for _, o := range opts {
			to := crm.Stage(o.Value)
			if to.Closed() || (to != from && crm.CheckMove(from, to) != nil) {
				t.Errorf("from %s the form offers %s, which Save refuses", from, to)
			}
		}
	}
}
