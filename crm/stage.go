package crm

// Stage is where a lead stands in the sales process.
type Stage string

// Stages, in funnel order.
const (
	StageNew       Stage = "new"
	StageContacted Stage = "contacted"
	StageQualified Stage = "qualified"
	StageProposal  Stage = "proposal"
	StageWon       Stage = "won"
	StageLost      Stage = "lost"
)

// Stages lists every stage in funnel order.
var Stages = []Stage{StageNew, StageContacted, StageQualified, StageProposal, StageWon, StageLost}

// transitions holds the allowed moves. A lead moves forward through the funnel, may skip steps (a hot lead
// goes straight from contacted to proposal), may step back one stage when a rep set it too far, and may be
// lost from any open stage. Won and lost are final; a manager reopens a lost lead by moving it to contacted.
var transitions = map[Stage][]Stage{
	StageNew:       {StageContacted, StageQualified, StageProposal, StageWon, StageLost},
	StageContacted: {StageQualified, StageProposal, StageWon, StageLost},
	StageQualified: {StageContacted, StageProposal, StageWon, StageLost},
	StageProposal:  {StageQualified, StageWon, StageLost},
	StageLost:      {StageContacted},
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	for _, v := range Stages {
		if s == v {
			return true
		}
	}
	return false
}

// Closed reports whether s ends the lead's life in the funnel.
func (s Stage) Closed() bool { return s == StageWon || s == StageLost }

// CanMove reports whether a lead may move from one stage to another.
func CanMove(from, to Stage) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// CheckMove returns nil when the move is allowed and an EINVALID error naming both stages otherwise.
func CheckMove(from, to Stage) error {
	if !to.Valid() {
		return FieldError("stage", "unknown stage %q", to)
	}
	if from == to {
		return Bilingual(EINVALID, "线索已处于「"+StageName(to, "zh")+"」阶段", "The lead is already at stage "+StageName(to, "en"))
	}
	if !CanMove(from, to) {
		return Bilingual(EINVALID,
			"不能从「"+StageName(from, "zh")+"」改为「"+StageName(to, "zh")+"」",
			"A lead cannot move from "+StageName(from, "en")+" to "+StageName(to, "en"))
	}
	return nil
}

var stageNames = map[Stage][2]string{
	StageNew:       {"新线索", "New"},
	StageContacted: {"已联系", "Contacted"},
	StageQualified: {"已确认需求", "Qualified"},
	StageProposal:  {"方案报价", "Proposal"},
	StageWon:       {"赢单", "Won"},
	StageLost:      {"输单", "Lost"},
}

// StageName returns the stage's display name in lang ("zh" or "en").
func StageName(s Stage, lang string) string {
	n, ok := stageNames[s]
	if !ok {
		return string(s)
	}
	if lang == "zh" {
		return n[0]
	}
	return n[1]
}
