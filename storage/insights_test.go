package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

func mustAddInsight(tb testing.TB, db *storage.DB, in crm.Insight) crm.Insight {
	tb.Helper()
	if err := db.AddInsight(context.Background(), &in); err != nil {
		tb.Fatalf("AddInsight: %v", err)
	}
	if in.ID == 0 {
		tb.Fatal("AddInsight left the id unset")
	}
	return in
}

func insightIDs(ins []crm.Insight) []int64 {
	var out []int64
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

func TestInsightsForCustomerCampaignAndSource(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		cust := mustIntake(t, db, newLead("i-1", "+8613812345678", "")).Customer
		other := mustIntake(t, db, newLead("i-2", "+8613812345679", "")).Customer
		at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

		a := mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{CustomerID: cust.ID}, Tags: []string{"价格敏感", "vip"},
			Note: "关注交付周期", AuthorID: "ou_ops", ChatID: "oc_ops", MessageID: "om_1", CreatedAt: at(1)})
		b := mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{Campaign: "双11"}, Tags: []string{"预算充足"}, CreatedAt: at(3)})
		c := mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{Source: "web-form"}, Note: "表单线索质量高", CreatedAt: at(2)})
		mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{CustomerID: other.ID}, Tags: []string{"别人的"}, CreatedAt: at(4)})
		mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{Campaign: "618"}, CreatedAt: at(5)})
		mustAddInsight(t, db, crm.Insight{Tags: []string{"pending"}, CreatedAt: at(6)}) // pending: shown nowhere

		got, err := db.InsightsFor(ctx, cust.ID, "双11", "web-form", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{b.ID, c.ID, a.ID}, insightIDs(got)); diff != "" {
			t.Fatalf("insights (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(a, got[2]); diff != "" {
			t.Errorf("stored insight differs (-want +got):\n%s", diff)
		}
		if got, _ := db.InsightsFor(ctx, cust.ID, "双11", "web-form", 2); len(got) != 2 || got[0].ID != b.ID {
			t.Errorf("limit 2 = %v, want the two newest", insightIDs(got))
		}
		if got, _ := db.InsightsFor(ctx, cust.ID, "", "", 10); !cmp.Equal(insightIDs(got), []int64{a.ID}) {
			t.Errorf("customer only = %v, want [%d]", insightIDs(got), a.ID)
		}
		if got, err := db.InsightsFor(ctx, 0, "", "", 10); err != nil || len(got) != 0 {
			t.Errorf("no target = %v, %v; want nothing", got, err)
		}

		// The customer's tags gained the insight's new tags, once, after the tags they had.
		cu, err := db.Customer(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustAddInsight(t, db, crm.Insight{Target: crm.InsightTarget{CustomerID: cust.ID}, Tags: []string{"价格敏感", "决策人是cfo"}, CreatedAt: at(7)})
		cu2, err := db.Customer(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]string(nil), cu.Tags...), "决策人是cfo")
		if !cmp.Equal(cu2.Tags, want) || !cmp.Equal(cu.Tags[len(cu.Tags)-2:], []string{"价格敏感", "vip"}) {
			t.Errorf("customer tags %v then %v, want the insight tags merged without duplicates", cu.Tags, cu2.Tags)
		}
		if cu2.Phone != "+8613812345678" {
			t.Error("merging tags damaged the customer's personal data")
		}
	})
}

func TestResolvePendingInsight(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		cust := mustIntake(t, db, newLead("r-1", "+8613812345678", "")).Customer
		p := mustAddInsight(t, db, crm.Insight{Tags: []string{"竞品在谈"}, Note: "note", AuthorID: "ou_ops", CreatedAt: t0})
		if got, _ := db.InsightsFor(ctx, cust.ID, "", "", 10); len(got) != 0 {
			t.Fatalf("pending insight visible: %v", got)
		}
		in, err := db.ResolveInsight(ctx, p.ID, crm.InsightTarget{CustomerID: cust.ID})
		if err != nil {
			t.Fatal(err)
		}
		if in.Target.CustomerID != cust.ID || in.Note != "note" || in.AuthorID != "ou_ops" {
			t.Errorf("resolved = %+v", in)
		}
		if got, _ := db.InsightsFor(ctx, cust.ID, "", "", 10); !cmp.Equal(insightIDs(got), []int64{p.ID}) {
			t.Errorf("after resolve = %v, want [%d]", insightIDs(got), p.ID)
		}
		if c, _ := db.Customer(ctx, cust.ID); !cmp.Equal(c.Tags, []string{"竞品在谈"}) {
			t.Errorf("customer tags = %v, want the insight's tag", c.Tags)
		}
		if _, err := db.ResolveInsight(ctx, p.ID, crm.InsightTarget{Campaign: "x"}); crm.ErrorCode(err) != crm.ECONFLICT {
			t.Errorf("second resolve: %v, want ECONFLICT", err)
		}
		if _, err := db.ResolveInsight(ctx, 999999, crm.InsightTarget{CustomerID: cust.ID}); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("unknown insight: %v, want ENOTFOUND", err)
		}
	})
}

func TestFindCustomers(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		company := func(ext, phone, email, name string) *crm.IntakeResult {
			nl := newLead(ext, phone, email)
			nl.Company = name
			return mustIntake(t, db, nl)
		}
		a := company("f-1", "+8613800000001", "a@example.com", "ACME 科技")
		b := company("f-2", "+8613800000002", "", "Acme Robotics")
		c := company("f-3", "+8613800000003", "", "100% 满意")
		company("f-4", "+8613800000004", "", "Zeta")

		find := func(q crm.CustomerQuery) []int64 {
			t.Helper()
			ms, err := db.FindCustomers(ctx, q)
			if err != nil {
				t.Fatalf("FindCustomers(%+v): %v", q, err)
			}
			var ids []int64
			for _, m := range ms {
				ids = append(ids, m.Customer.ID)
			}
			return ids
		}
		cases := []struct {
			name string
			q    crm.CustomerQuery
			want []int64
		}{
			{"phone", crm.CustomerQuery{Phone: "+8613800000002"}, []int64{b.Customer.ID}},
			{"email", crm.CustomerQuery{Email: "a@example.com"}, []int64{a.Customer.ID}},
			{"lead", crm.CustomerQuery{LeadID: c.Lead.ID}, []int64{c.Customer.ID}},
			{"company any case, newest first", crm.CustomerQuery{Company: "acme"}, []int64{b.Customer.ID, a.Customer.ID}},
			{"company limit", crm.CustomerQuery{Company: "ACME", Limit: 1}, []int64{b.Customer.ID}},
			{"wildcards are literal", crm.CustomerQuery{Company: "0%"}, []int64{c.Customer.ID}},
			{"underscore is literal", crm.CustomerQuery{Company: "a_me"}, nil},
			{"unknown phone", crm.CustomerQuery{Phone: "+8613900000000"}, nil},
			{"unknown lead", crm.CustomerQuery{LeadID: 999999}, nil},
		}
		for _, tc := range cases {
			if got := find(tc.q); !cmp.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		ms, err := db.FindCustomers(ctx, crm.CustomerQuery{Phone: "+8613800000001"})
		if err != nil || len(ms) != 1 {
			t.Fatalf("by phone: %v, %v", ms, err)
		}
		if ms[0].LeadID != a.Lead.ID || ms[0].Customer.Phone != "+8613800000001" || ms[0].Customer.Company != "ACME 科技" {
			t.Errorf("match = lead %d, customer %+v; want lead %d with the decrypted customer", ms[0].LeadID, ms[0].Customer, a.Lead.ID)
		}
		if _, err := db.FindCustomers(ctx, crm.CustomerQuery{}); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("empty query: %v, want EINVALID", err)
		}
	})
}
