package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 123456000, time.UTC)

// newLead returns an arrival whose Created and Touched hooks behave like the domain's: timers on
// creation, a notifying event on each touch.
func newLead(ext, phone, email string) *crm.NewLead {
	return &crm.NewLead{
		Source: "web-form", ExternalID: ext, Name: "张三", Phone: phone, Email: email,
		Company: "Acme", Title: "CTO", Region: "east", Campaign: "双11",
		UTM:  map[string]string{"utm_source": "baidu"},
		Tags: []string{"vip"}, Note: "wants a demo", Attributes: map[string]any{"budget": "10k", "seats": 5.0},
		Pool: "east", At: t0,
		Created: func(l *crm.Lead) []crm.LeadEvent {
			l.PooledAt = l.CreatedAt
			l.NextDueAt = l.CreatedAt.Add(5 * time.Minute)
			return []crm.LeadEvent{crm.NewEvent(crm.EventCreated, "", l.CreatedAt, "source", l.Source)}
		},
		Touched: func(l *crm.Lead, t *crm.Touch) []crm.LeadEvent {
			l.LastActivityAt = t.CreatedAt
			e := crm.NewEvent(crm.EventTouch, "", t.CreatedAt, "touch", strconv.FormatInt(t.ID, 10))
			e.Notify = true
			return []crm.LeadEvent{e}
		},
	}
}

func mustIntake(tb testing.TB, db *storage.DB, in *crm.NewLead) *crm.IntakeResult {
	tb.Helper()
	res, err := db.IntakeLead(context.Background(), in)
	if err != nil {
		tb.Fatalf("IntakeLead: %v", err)
	}
	return res
}

func count(tb testing.TB, db *storage.DB, table string) int {
	tb.Helper()
	var n int
	if err := db.Bun().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestIntakeCreatesThenRepeatIsExists(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		res := mustIntake(t, db, newLead("f-1", "+8613812345678", "zhang@example.com"))
		if res.Status != crm.IntakeCreated {
			t.Fatalf("status = %s, want created", res.Status)
		}
		want := &crm.Lead{ID: res.Lead.ID, CustomerID: res.Customer.ID, Source: "web-form", ExternalID: "f-1",
			Campaign: "双11", UTM: map[string]string{"utm_source": "baidu"}, Tags: []string{"vip"},
			Note: "wants a demo", Attributes: map[string]any{"budget": "10k", "seats": 5.0}, Pool: "east",
			Stage: crm.StageNew, Rev: 1, CreatedAt: t0, PooledAt: t0, NextDueAt: t0.Add(5 * time.Minute)}
		if diff := cmp.Diff(want, res.Lead); diff != "" {
			t.Errorf("returned lead (-want +got):\n%s", diff)
		}
		got, err := db.Lead(ctx, res.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored lead (-want +got):\n%s", diff)
		}
		wantCust := &crm.Customer{ID: res.Customer.ID, Name: "张三", Phone: "+8613812345678",
			Email: "zhang@example.com", Company: "Acme", Title: "CTO", Region: "east", CreatedAt: t0}
		cust, err := db.Customer(ctx, res.Customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantCust, cust); diff != "" {
			t.Errorf("customer (-want +got):\n%s", diff)
		}

		again := newLead("f-1", "+8613999999999", "")
		again.Created = func(*crm.Lead) []crm.LeadEvent { t.Error("Created ran on a repeat"); return nil }
		again.Touched = func(*crm.Lead, *crm.Touch) []crm.LeadEvent { t.Error("Touched ran on a repeat"); return nil }
		rep := mustIntake(t, db, again)
		if rep.Status != crm.IntakeExists || rep.Lead.ID != res.Lead.ID || rep.Lead.Rev != 1 {
			t.Fatalf("repeat = %s lead %d rev %d, want exists lead %d rev 1", rep.Status, rep.Lead.ID, rep.Lead.Rev, res.Lead.ID)
		}
		if rep.Customer.Phone != "+8613812345678" {
			t.Errorf("repeat returned customer phone %q, want the stored one", rep.Customer.Phone)
		}
		if n := count(t, db, "customers"); n != 1 {
			t.Errorf("customers = %d, want 1", n)
		}
		tl, err := db.Timeline(ctx, res.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 1 || tl[0].Kind != crm.EventCreated || tl[0].LeadID != res.Lead.ID || !tl[0].At.Equal(t0) ||
			tl[0].Data["source"] != "web-form" {
			t.Errorf("timeline = %+v, want one created event", tl)
		}
	})
}

func TestIntakeTouchAttachesToOpenLead(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := mustIntake(t, db, newLead("a-1", "+8613812345678", ""))

		byPhone := newLead("a-2", "+8613812345678", "")
		byPhone.Source, byPhone.Campaign, byPhone.At = "ads", "spring", t0.Add(time.Hour)
		res := mustIntake(t, db, byPhone)
		if res.Status != crm.IntakeTouch || res.Lead.ID != first.Lead.ID || res.Lead.Rev != 2 {
			t.Fatalf("second arrival = %s lead %d rev %d, want touch on lead %d at rev 2",
				res.Status, res.Lead.ID, res.Lead.Rev, first.Lead.ID)
		}
		if !res.Lead.LastActivityAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("Touched's change was not stored: LastActivityAt = %v", res.Lead.LastActivityAt)
		}
		if res.Lead.Source != "web-form" {
			t.Errorf("lead source = %q, want the first touch's", res.Lead.Source)
		}

		// A customer with no phone on file is matched by email alone.
		mustIntake(t, db, newLead("b-1", "", "li@example.com"))
		byEmail := mustIntake(t, db, newLead("b-2", "+8613700000000", "li@example.com"))
		if byEmail.Status != crm.IntakeTouch {
			t.Errorf("email match = %s, want touch", byEmail.Status)
		}

		touches, err := db.Touches(ctx, first.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(touches) != 2 || touches[0].ExternalID != "a-1" || touches[1].Source != "ads" ||
			touches[1].Campaign != "spring" || touches[1].CustomerID != first.Customer.ID {
			t.Errorf("touches = %+v", touches)
		}
		pending, err := db.PendingEvents(ctx, first.Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 1 || pending[0].Kind != crm.EventTouch || pending[0].Data["touch"] != strconv.FormatInt(touches[1].ID, 10) {
			t.Errorf("pending = %+v, want the touch event naming touch %d", pending, touches[1].ID)
		}

		// Once the lead is closed, the customer's next arrival opens a new lead for the same customer.
		if _, err := db.MutateLead(ctx, first.Lead.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.Stage, l.ClosedAt, l.LostReason = crm.StageLost, t0.Add(2*time.Hour), "price"
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		next := mustIntake(t, db, newLead("a-3", "+8613812345678", ""))
		if next.Status != crm.IntakeCreated || next.Lead.ID == first.Lead.ID || next.Customer.ID != first.Customer.ID {
			t.Errorf("after close = %s lead %d customer %d, want a new lead for customer %d",
				next.Status, next.Lead.ID, next.Customer.ID, first.Customer.ID)
		}
	})
}

func TestIntakeNeedsPhoneOrEmail(t *testing.T) {
	t.Parallel()
	db := storagetest.SQLite(t)
	_, err := db.IntakeLead(context.Background(), newLead("x", "", ""))
	if crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	if n := count(t, db, "leads"); n != 0 {
		t.Errorf("leads = %d, want 0", n)
	}
}

func TestIntakeConcurrentSameCustomer(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const n = 20
		results := runIntakes(t, db, n, func(i int) *crm.NewLead {
			return newLead(fmt.Sprintf("c-%d", i), "+8613812345678", "")
		})
		statuses := map[crm.IntakeStatus]int{}
		for _, r := range results {
			statuses[r.Status]++
			if r.Lead.ID != results[0].Lead.ID {
				t.Errorf("intake attached to lead %d, others to %d", r.Lead.ID, results[0].Lead.ID)
			}
		}
		if statuses[crm.IntakeCreated] != 1 || statuses[crm.IntakeTouch] != n-1 {
			t.Errorf("statuses = %v, want 1 created and %d touches", statuses, n-1)
		}
		for table, want := range map[string]int{"customers": 1, "leads": 1, "touches": n} {
			if got := count(t, db, table); got != want {
				t.Errorf("%s = %d, want %d", table, got, want)
			}
		}
		l, err := db.Lead(context.Background(), results[0].Lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Rev != n {
			t.Errorf("rev = %d, want %d (1 + one per touch)", l.Rev, n)
		}
	})
}

func TestIntakeConcurrentSameExternalID(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const n = 20
		results := runIntakes(t, db, n, func(i int) *crm.NewLead {
			return newLead("same", fmt.Sprintf("+86138000000%02d", i), "")
		})
		statuses := map[crm.IntakeStatus]int{}
		for _, r := range results {
			statuses[r.Status]++
		}
		if statuses[crm.IntakeCreated] != 1 || statuses[crm.IntakeExists] != n-1 {
			t.Errorf("statuses = %v, want 1 created and %d exists", statuses, n-1)
		}
		for table, want := range map[string]int{"customers": 1, "leads": 1, "touches": 1} {
			if got := count(t, db, table); got != want {
				t.Errorf("%s = %d, want %d", table, got, want)
			}
		}
	})
}

func runIntakes(t *testing.T, db *storage.DB, n int, mk func(i int) *crm.NewLead) []*crm.IntakeResult {
	t.Helper()
	results := make([]*crm.IntakeResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = db.IntakeLead(context.Background(), mk(i))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("intake %d: %v", i, err)
		}
	}
	return results
}

// A burst of arrivals of every kind at once: on PostgreSQL they are written in groups, and the outcome
// must be what one-at-a-time intake gives: new customers created, known customers touched, repeated
// external ids reported, repeats inside the burst attached to the lead the burst created.
func TestIntakeBurstMixed(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		known := mustIntake(t, db, newLead("known-0", "+8613900000000", ""))
		stored := mustIntake(t, db, newLead("stored-0", "+8613900000001", "stored@example.com"))
		const n = 80
		results := runIntakes(t, db, n, func(i int) *crm.NewLead {
			switch i % 8 {
			case 0: // a known customer: a touch on their open lead
				return newLead(fmt.Sprintf("known-%d", i+1), "+8613900000000", "")
			case 1: // a repeat of a stored external id: nothing changes
				return newLead("stored-0", fmt.Sprintf("+86137%08d", i), "")
			case 2: // two arrivals of one new customer within the burst, matched by email
				return newLead(fmt.Sprintf("pair-%d", i), "", fmt.Sprintf("pair%d@example.com", i/8))
			case 3:
				return newLead(fmt.Sprintf("pair-%d", i), fmt.Sprintf("+86136%08d", i), fmt.Sprintf("pair%d@example.com", i/8))
			default: // new customers
				return newLead(fmt.Sprintf("new-%d", i), fmt.Sprintf("+86135%08d", i), "")
			}
		})
		statuses := map[crm.IntakeStatus]int{}
		pairLeads := map[int]map[int64]bool{}
		for i, r := range results {
			statuses[r.Status]++
			switch i % 8 {
			case 0:
				if r.Status != crm.IntakeTouch || r.Lead.ID != known.Lead.ID {
					t.Errorf("arrival %d of the known customer = %s on lead %d, want a touch on %d", i, r.Status, r.Lead.ID, known.Lead.ID)
				}
			case 1:
				if r.Status != crm.IntakeExists || r.Lead.ID != stored.Lead.ID {
					t.Errorf("repeat %d = %s on lead %d, want exists on %d", i, r.Status, r.Lead.ID, stored.Lead.ID)
				}
			case 2, 3:
				if pairLeads[i/8] == nil {
					pairLeads[i/8] = map[int64]bool{}
				}
				pairLeads[i/8][r.Lead.ID] = true
			default:
				if r.Status != crm.IntakeCreated || r.Customer.Phone != fmt.Sprintf("+86135%08d", i) || r.Lead.Rev != 1 {
					t.Errorf("new arrival %d = %s customer phone %q rev %d", i, r.Status, r.Customer.Phone, r.Lead.Rev)
				}
			}
		}
		for pair, leads := range pairLeads {
			if len(leads) != 1 {
				t.Errorf("pair %d landed on leads %v, want one lead", pair, leads)
			}
		}
		const pairs, fresh = n / 8, n / 8 * 4
		want := map[crm.IntakeStatus]int{crm.IntakeTouch: pairs + pairs, crm.IntakeExists: pairs, crm.IntakeCreated: pairs + fresh}
		if !cmp.Equal(statuses, want) {
			t.Errorf("statuses = %v, want %v", statuses, want)
		}
		for table, want := range map[string]int{
			"customers":   2 + pairs + fresh,
			"leads":       2 + pairs + fresh,
			"touches":     2 + pairs + pairs*2 + fresh, // the known customer's touches, each pair's two, the new ones
			"lead_events": 2 + pairs + pairs*2 + fresh, // created for each lead, a touch event for each touch
		} {
			if got := count(t, db, table); got != want {
				t.Errorf("%s = %d, want %d", table, got, want)
			}
		}
		if l, err := db.Lead(ctx, known.Lead.ID); err != nil || l.Rev != 1+pairs {
			t.Errorf("known lead rev = %v (%v), want %d", l.Rev, err, 1+pairs)
		}
		if db.Dialect() == storage.DialectPostgres {
			st := db.IntakeStats()
			if st.Groups == 0 || st.Grouped < 2*st.Groups {
				t.Errorf("intake stats %+v: the burst was not written in groups", st)
			}
			t.Logf("intake stats: %+v", st)
		}
	})
}

// Two processes receive the same customers at the same moment: their groups race on the unique indexes,
// and a group that loses is written again arrival by arrival, so every arrival still lands exactly once.
func TestIntakeGroupsRaceAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := storagetest.EmptyPostgres(t)
	a := storagetest.OpenURL(t, url, storagetest.Options())
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := storagetest.OpenURL(t, url, storagetest.Options())
	const n = 40
	var ra, rb []*crm.IntakeResult
	var wg sync.WaitGroup
	for _, p := range []struct {
		db   *storage.DB
		name string
		out  *[]*crm.IntakeResult
	}{{a, "a", &ra}, {b, "b", &rb}} {
		wg.Go(func() {
			*p.out = runIntakes(t, p.db, n, func(i int) *crm.NewLead {
				return newLead(fmt.Sprintf("%s-%d", p.name, i), fmt.Sprintf("+86134%08d", i), "")
			})
		})
	}
	wg.Wait()
	statuses := map[crm.IntakeStatus]int{}
	for i := range n {
		statuses[ra[i].Status]++
		statuses[rb[i].Status]++
		if ra[i].Lead.ID != rb[i].Lead.ID {
			t.Errorf("customer %d: the two arrivals landed on leads %d and %d", i, ra[i].Lead.ID, rb[i].Lead.ID)
		}
	}
	if want := map[crm.IntakeStatus]int{crm.IntakeCreated: n, crm.IntakeTouch: n}; !cmp.Equal(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
	for table, want := range map[string]int{"customers": n, "leads": n, "touches": 2 * n} {
		if got := count(t, a, table); got != want {
			t.Errorf("%s = %d, want %d", table, got, want)
		}
	}
	t.Logf("intake stats: a %+v, b %+v", a.IntakeStats(), b.IntakeStats())
}
