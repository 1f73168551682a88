package storage

import "github.com/baton-crm/baton/crm"

// gradeReasonJSON is one reason of a lead's grade as leads.grade_reasons stores it.
type gradeReasonJSON struct {
	Zh     string `json:"zh"`
	En     string `json:"en"`
	Points int    `json:"points"`
}

func gradeFromRow(r *leadRow) crm.Grade {
	g := crm.Grade{Letter: r.GradeLetter, Points: r.GradePoints}
	for _, x := range r.GradeReasons {
		g.Reasons = append(g.Reasons, crm.GradeReason{Zh: x.Zh, En: x.En, Points: x.Points})
	}
	return g
}

func fillGrade(r *leadRow, g crm.Grade) {
	r.GradeLetter, r.GradePoints, r.GradeReasons = g.Letter, g.Points, nil
	for _, x := range g.Reasons {
		r.GradeReasons = append(r.GradeReasons, gradeReasonJSON{Zh: x.Zh, En: x.En, Points: x.Points})
	}
}
