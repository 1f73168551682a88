-- A lead's grade (grading: in baton.yaml): its letter, points and the reasons behind them, stored so the
-- digest can group by grade and cards need not recompute it. '' means not graded.
ALTER TABLE leads ADD COLUMN grade_letter TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN grade_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN grade_reasons TEXT;
