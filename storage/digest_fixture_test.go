package storage_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/baton-crm/baton/storage"
)

// shanghai is the fixture's time zone: UTC+8, so a local Sunday evening is still Sunday afternoon in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// local returns 2026-11-dd hh:mm in Shanghai.
func local(day, hh, mm int) time.Time {
	return time.Date(2026, time.November, day, hh, mm, 0, 0, shanghai)
}

// fixture writes rows straight into the tables, so every timestamp of the fixture week is exactly the one
// the hand-computed expectations use.
type fixture struct {
	tb  testing.TB
	db  *storage.DB
	ctx context.Context
}

func (f *fixture) id(query string, args ...any) int64 {
	f.tb.Helper()
	var id int64
	if err := f.db.Writer().QueryRowContext(f.ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		f.tb.Fatalf("fixture insert: %v\n%s", err, query)
	}
	return id
}

// fixtureLead is a lead row; zero times are stored as NULL.
type fixtureLead struct {
	source, campaign, pool, stage, owner, lostReason string
	value                                            int64
	created, pooled, claimed, contacted, closed      time.Time
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lead inserts a customer and the lead, and its first touch (the lead's own source and campaign).
func (f *fixture) lead(l fixtureLead) (leadID, customerID int64) {
	f.tb.Helper()
	customerID = f.id(`INSERT INTO customers (company, created_at) VALUES ('', ?)`, l.created.UTC())
	open := l.stage != "won" && l.stage != "lost"
	leadID = f.id(`INSERT INTO leads (customer_id, source, campaign, pool, stage, is_open, owner_id, rev, created_at,
		pooled_at, claimed_at, first_contact_at, closed_at, lost_reason, value, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
		customerID, l.source, l.campaign, l.pool, l.stage, open, nullString(l.owner), l.created.UTC(),
		nullTime(l.pooled), nullTime(l.claimed), nullTime(l.contacted), nullTime(l.closed), l.lostReason, l.value,
		l.created.UTC())
	f.touch(leadID, customerID, l.source, l.campaign, l.created)
	return leadID, customerID
}

func (f *fixture) touch(leadID, customerID int64, source, campaign string, at time.Time) {
	f.tb.Helper()
	f.id(`INSERT INTO touches (lead_id, customer_id, source, campaign, created_at) VALUES (?, ?, ?, ?, ?)`,
		leadID, customerID, source, campaign, at.UTC())
}

// event appends a timeline entry with kv as its data.
func (f *fixture) event(leadID int64, kind, actor string, at time.Time, kv ...string) int64 {
	f.tb.Helper()
	data := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(data)
	return f.id(`INSERT INTO lead_events (lead_id, kind, actor_id, at, data, notify) VALUES (?, ?, ?, ?, ?, FALSE)`,
		leadID, kind, nullString(actor), at.UTC(), string(b))
}

// owner records an owner change; to "" is a return to the pool.
func (f *fixture) owner(leadID int64, pool, from, to string, at time.Time) {
	f.tb.Helper()
	f.id(`INSERT INTO lead_owners (lead_id, pool, from_owner, to_owner, at) VALUES (?, ?, ?, ?, ?)`,
		leadID, pool, nullString(from), nullString(to), at.UTC())
}

// claim records a claim: the owner change and the claimed event with the wait in the pool.
func (f *fixture) claim(leadID int64, pool, who string, pooled, at time.Time) {
	f.tb.Helper()
	f.owner(leadID, pool, "", who, at)
	f.event(leadID, "claimed", who, at, "waited_s", strconv.FormatInt(int64(at.Sub(pooled)/time.Second), 10))
}

func (f *fixture) insight(customerID int64, campaign string, at time.Time, tags ...string) {
	f.tb.Helper()
	b, _ := json.Marshal(tags)
	var cust any
	if customerID != 0 {
		cust = customerID
	}
	f.id(`INSERT INTO insights (customer_id, campaign, source, tags, note, author_id, chat_id, message_id, created_at)
		VALUES (?, ?, '', ?, '', 'ou_ops', '', '', ?)`, cust, campaign, string(b), at.UTC())
}

// fixtureIDs are ids the expectations refer to.
type fixtureIDs struct {
	l2Feedback, l2Lost int64
}

// fixtureWeek loads the hand-computed fixture around ISO week 2026-W48 in Shanghai
// (Mon 2026-11-23 00:00 +08 = 2026-11-22 16:00 UTC to Mon 2026-11-30 00:00 +08 = 2026-11-29 16:00 UTC).
// Pool east unless noted:
//
//	L1 web-form/双11, Mon 10:00; later touch ads/春季 Wed; claimed ou_a 10:10 (waited 600 s), contacted 10:40,
//	   qualified Tue, won Thu for 50000.
//	L2 web-form/双11, Mon 11:00; claimed ou_b 11:30 (1800 s); first-contact SLA: remind step 0 at 13:30,
//	   escalate step 1 at 15:30; note (first contact) 16:30 (18000 s); rated invalid_number Tue 09:00; lost
//	   (no_response) Tue 10:00.
//	L3 ads/春季, Sun 11-29 23:30 local (15:30 UTC): still W48. Unclaimed: remind step 0 at Sun 23:35,
//	   escalate step 1 at Mon 11-30 00:15 (W49).
//	L4 web-form/"", Mon 11-30 00:30 local (Sun 16:30 UTC): W49.
//	L5 ads/春季, Fri 11-20 (W47); claimed ou_a Mon 11-23 09:00 (waited 71 h), contacted 09:30, proposal Wed,
//	   rated duplicate Thu, lost (price) Fri 11-27.
//	L6 web-form/双11, Wed 11-18 (W47); claimed ou_b 11-18 10:05 (300 s); recycled Tue 11-24 10:00; claimed
//	   ou_a Wed 11-25 10:00 (86400 s); no contact.
//	L7 pool west, web-form/双11, Tue 11-24 10:00; claimed ou_c 10:01 (60 s); won Wed for 7000.
//
// Insights in W48: on L1's customer (预算充足, 企业版), on campaign 春季 (企业版), on L7's customer (west-only);
// in W49 on L1's customer (later).
func fixtureWeek(tb testing.TB, db *storage.DB) fixtureIDs {
	f := &fixture{tb: tb, db: db, ctx: context.Background()}
	var ids fixtureIDs

	l1, c1 := f.lead(fixtureLead{source: "web-form", campaign: "双11", pool: "east", stage: "won", owner: "ou_a",
		value: 50000, created: local(23, 10, 0), pooled: local(23, 10, 0), claimed: local(23, 10, 10),
		contacted: local(23, 10, 40), closed: local(26, 15, 0)})
	f.touch(l1, c1, "ads", "春季", local(25, 9, 0))
	f.claim(l1, "east", "ou_a", local(23, 10, 0), local(23, 10, 10))
	f.event(l1, "first_contact", "ou_a", local(23, 10, 40), "owner", "ou_a")
	f.event(l1, "stage_changed", "ou_a", local(23, 10, 40), "from", "new", "to", "contacted")
	f.event(l1, "stage_changed", "ou_a", local(24, 10, 0), "from", "contacted", "to", "qualified")
	f.event(l1, "stage_changed", "ou_a", local(26, 15, 0), "from", "qualified", "to", "won", "value", "50000")

	l2, _ := f.lead(fixtureLead{source: "web-form", campaign: "双11", pool: "east", stage: "lost", owner: "ou_b",
		lostReason: "no_response", created: local(23, 11, 0), pooled: local(23, 11, 0), claimed: local(23, 11, 30),
		contacted: local(23, 16, 30), closed: local(24, 10, 0)})
	f.claim(l2, "east", "ou_b", local(23, 11, 0), local(23, 11, 30))
	f.event(l2, "reminded", "", local(23, 13, 30), "clock", "first_contact", "step", "0", "action", "remind_owner")
	f.event(l2, "escalated", "", local(23, 15, 30), "clock", "first_contact", "step", "1", "action", "escalate")
	f.event(l2, "note", "ou_b", local(23, 16, 30), "text", "called")
	f.event(l2, "first_contact", "ou_b", local(23, 16, 30), "owner", "ou_b")
	ids.l2Feedback = f.event(l2, "feedback", "ou_b", local(24, 9, 0), "quality", "invalid_number", "source", "web-form", "campaign", "双11")
	ids.l2Lost = f.event(l2, "stage_changed", "ou_b", local(24, 10, 0), "from", "new", "to", "lost", "reason", "no_response")

	l3, _ := f.lead(fixtureLead{source: "ads", campaign: "春季", pool: "east", stage: "new",
		created: local(29, 23, 30), pooled: local(29, 23, 30)})
	f.event(l3, "reminded", "", local(29, 23, 35), "clock", "unclaimed", "step", "0", "action", "remind_pool")
	f.event(l3, "escalated", "", local(30, 0, 15), "clock", "unclaimed", "step", "1", "action", "escalate")

	f.lead(fixtureLead{source: "web-form", campaign: "", pool: "east", stage: "new",
		created: local(30, 0, 30), pooled: local(30, 0, 30)})

	l5, _ := f.lead(fixtureLead{source: "ads", campaign: "春季", pool: "east", stage: "lost", owner: "ou_a",
		lostReason: "price", created: local(20, 10, 0), pooled: local(20, 10, 0), claimed: local(23, 9, 0),
		contacted: local(23, 9, 30), closed: local(27, 12, 0)})
	f.claim(l5, "east", "ou_a", local(20, 10, 0), local(23, 9, 0))
	f.event(l5, "first_contact", "ou_a", local(23, 9, 30), "owner", "ou_a")
	f.event(l5, "stage_changed", "ou_a", local(23, 9, 30), "from", "new", "to", "contacted")
	f.event(l5, "stage_changed", "ou_a", local(25, 11, 0), "from", "contacted", "to", "proposal")
	f.event(l5, "feedback", "ou_a", local(26, 9, 0), "quality", "duplicate", "source", "ads", "campaign", "春季")
	f.event(l5, "stage_changed", "ou_a", local(27, 12, 0), "from", "proposal", "to", "lost", "reason", "price")

	l6, _ := f.lead(fixtureLead{source: "web-form", campaign: "双11", pool: "east", stage: "new", owner: "ou_a",
		created: local(18, 10, 0), pooled: local(24, 10, 0), claimed: local(25, 10, 0)})
	f.claim(l6, "east", "ou_b", local(18, 10, 0), local(18, 10, 5))
	f.owner(l6, "east", "ou_b", "", local(24, 10, 0))
	f.event(l6, "recycled", "", local(24, 10, 0), "prev_owner", "ou_b")
	f.claim(l6, "east", "ou_a", local(24, 10, 0), local(25, 10, 0))

	l7, c7 := f.lead(fixtureLead{source: "web-form", campaign: "双11", pool: "west", stage: "won", owner: "ou_c",
		value: 7000, created: local(24, 10, 0), pooled: local(24, 10, 0), claimed: local(24, 10, 1),
		contacted: local(25, 10, 0), closed: local(25, 10, 0)})
	f.claim(l7, "west", "ou_c", local(24, 10, 0), local(24, 10, 1))
	f.event(l7, "first_contact", "ou_c", local(25, 10, 0), "owner", "ou_c")
	f.event(l7, "stage_changed", "ou_c", local(25, 10, 0), "from", "new", "to", "won", "value", "7000")

	f.insight(c1, "", local(24, 12, 0), "预算充足", "企业版")
	f.insight(0, "春季", local(25, 12, 0), "企业版")
	f.insight(c7, "", local(25, 12, 0), "west-only")
	f.insight(c1, "", local(30, 12, 0), "later")
	return ids
}
