package storage_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// A lead's grade is stored with it at intake and follows each write: letter, points and reasons.
func TestLeadGradeRoundTrip(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		in := newLead("g-1", "+8613812345670", "")
		in.Grade = crm.Grade{Letter: "B", Points: 45, Reasons: []crm.GradeReason{
			{Zh: "预算≥10万", En: "Budget ≥ 100k", Points: 30}, {Zh: "决策人", En: "Decision maker", Points: 20},
			{Zh: "竞品", En: "Competitor", Points: -5}}}
		res := mustIntake(t, db, in)
		got, err := db.Lead(ctx, res.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(in.Grade, got.Grade); d != "" {
			t.Errorf("stored grade (-want +got):\n%s", d)
		}
		a := crm.Grade{Letter: "A", Points: 70, Reasons: []crm.GradeReason{{Zh: "试用", En: "Trial", Points: 70}}}
		if _, err := db.MutateLead(ctx, res.Lead.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Grade = a
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err = db.Lead(ctx, res.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a, got.Grade); d != "" {
			t.Errorf("regraded (-want +got):\n%s", d)
		}
		if _, err := db.MutateLead(ctx, res.Lead.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Grade = crm.Grade{}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ = db.Lead(ctx, res.Lead.ID); got.Grade.Letter != "" || got.Grade.Reasons != nil {
			t.Errorf("ungraded lead reads back %+v", got.Grade)
		}
	})
}

// The digest groups the fixture week by grade: with the won lead an A and every other lead a D, each grade's
// figures add up to the week's, and the won and lost leads fall on their grade's side.
func TestDigestFiguresByGrade(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fixtureWeek(t, db)
		w48, err := crm.ISOWeek(2026, 48, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		q := crm.DigestQuery{Pools: []string{"east"}, Start: w48.Start, End: w48.End}
		before, err := db.DigestFigures(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if before.Grades != nil {
			t.Fatalf("ungraded week has a by-grade table: %+v", before.Grades)
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE leads SET grade_letter = CASE WHEN stage = 'won' THEN 'A' ELSE 'D' END`); err != nil {
			t.Fatal(err)
		}
		f, err := db.DigestFigures(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Grades) != 2 || f.Grades[0].Grade != "A" || f.Grades[1].Grade != "D" {
			t.Fatalf("grades = %+v", f.Grades)
		}
		a, d := f.Grades[0], f.Grades[1]
		if a.Won != f.Won || a.Lost != 0 || d.Won != 0 || d.Lost != f.Lost {
			t.Errorf("closes by grade: A %d/%d, D %d/%d; week won %d lost %d", a.Won, a.Lost, d.Won, d.Lost, f.Won, f.Lost)
		}
		if a.Leads+d.Leads != f.NewLeads || a.ClaimTime.N+d.ClaimTime.N != f.Claims {
			t.Errorf("leads %d+%d (week %d), claims %d+%d (week %d)", a.Leads, d.Leads, f.NewLeads, a.ClaimTime.N, d.ClaimTime.N, f.Claims)
		}
	})
}
