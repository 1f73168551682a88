package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/baton-crm/baton/crm"
)

// readLeadFile reads the dry run's lead: a file, or standard input for "-".
func readLeadFile(file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	}
	return os.ReadFile(file)
}

// ruleGrades is the grade part of a routing rule's description, empty when it matches any grade.
func ruleGrades(r crm.Rule) string {
	if len(r.Grades) == 0 {
		return ""
	}
	return " grade=" + strings.Join(r.Grades, "|")
}

// printGrade explains the lead's grade: the letter and points against the thresholds, then every rule
// that fired with its points, expression and reason.
func printGrade(w io.Writer, ex *crm.RouteExplanation, g *crm.Grading) {
	if g == nil {
		fmt.Fprintln(w, "grade: not graded (no grading: in the configuration)")
		return
	}
	t := g.Thresholds
	fmt.Fprintf(w, "grade: %s (%d points; A ≥ %d, B ≥ %d, C ≥ %d, else D)\n", ex.Grade.Letter, ex.Grade.Points, t.A, t.B, t.C)
	if len(ex.Fired) == 0 {
		fmt.Fprintln(w, "  no grading rule fired")
	}
	for _, r := range ex.Fired {
		fmt.Fprintf(w, "  %s %s: %s / %s\n", crm.FormatPoints(r.Points), r.When, r.Zh, r.En)
	}
}
