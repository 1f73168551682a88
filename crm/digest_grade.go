package crm

// GradeFigures is one row of the digest's by-grade table, so a team sees whether its grading predicts
// anything: do A leads get claimed faster and won more often than D leads?
type GradeFigures struct {
	Grade     string      // "A"–"D"; "" for leads that arrived before grading was configured
	Leads     int         // new leads of the grade in the range
	Won, Lost int         // leads of the grade closed in the range
	ClaimTime Percentiles // time from entering the pool to the claim, per claim in the range
}

// WinRate is won over closed leads of the grade, 0 when none closed.
func (g GradeFigures) WinRate() float64 { return Rate(g.Won, g.Won+g.Lost) }

// SortGrades orders rows A to D, ungraded last.
func SortGrades(rows []GradeFigures) {
	rank := func(g string) int {
		for i, l := range GradeLetters {
			if l == g {
				return i
			}
		}
		return len(GradeLetters)
	}
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rank(rows[j].Grade) < rank(rows[j-1].Grade); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}
