package jobs

import "time"

// queueAt maps an instant on Baton's clock to asynq's. asynq schedules by the machine's wall clock, while
// Baton reads an injectable clock (tests run it days away from the real date); a wake-up keeps its distance
// from Baton's now, so it fires when Baton's clock says it is due, whatever date the machine shows. With the
// real clock the mapping is the identity.
func queueAt(now func() time.Time, at time.Time) time.Time {
	return time.Now().Add(at.Sub(now()))
}
