package crm

import "testing"

func TestCanMove(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Stage
		want     bool
	}{
		{StageNew, StageContacted, true},
		{StageNew, StageWon, true},
		{StageNew, StageLost, true},
		{StageContacted, StageProposal, true},
		{StageContacted, StageNew, false},
		{StageQualified, StageContacted, true},
		{StageProposal, StageQualified, true},
		{StageProposal, StageContacted, false},
		{StageWon, StageLost, false},
		{StageWon, StageContacted, false},
		{StageLost, StageContacted, true},
		{StageLost, StageWon, false},
		{StageNew, Stage("bogus"), false},
	}
	for _, tt := range tests {
		if got := CanMove(tt.from, tt.to); got != tt.want {
			t.Errorf("CanMove(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestCheckMove(t *testing.T) {
	t.Parallel()
	if err := CheckMove(StageNew, StageContacted); err != nil {
		t.Fatalf("new → contacted: %v", err)
	}
	for _, tt := range []struct {
		from, to Stage
		field    string
	}{
		{StageNew, "bogus", "stage"},
		{StageNew, StageNew, ""},
		{StageWon, StageLost, ""},
	} {
		err := CheckMove(tt.from, tt.to)
		if ErrorCode(err) != EINVALID {
			t.Errorf("CheckMove(%s, %s) code = %q, want %q", tt.from, tt.to, ErrorCode(err), EINVALID)
		}
		if ErrorField(err) != tt.field {
			t.Errorf("CheckMove(%s, %s) field = %q, want %q", tt.from, tt.to, ErrorField(err), tt.field)
		}
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	for _, s := range Stages {
		want := s == StageWon || s == StageLost
		if s.Closed() != want {
			t.Errorf("%s.Closed() = %v", s, s.Closed())
		}
	}
}
