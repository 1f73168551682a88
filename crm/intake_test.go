package crm

import (
	"slices"
	"testing"
)

func TestSameCustomerChains(t *testing.T) {
	leads := []*NewLead{
		{Phone: "+8613800000001"},                         // 0
		{Email: "a@example.com"},                          // 1
		{Phone: "+8613800000002", Email: "a@example.com"}, // 2: joins 1 by email
		{ExternalID: "x-1", Phone: "+8613800000003"},      // 3
		{Phone: "+8613800000002"},                         // 4: joins 1 and 2 by phone
		nil,                                               // 5: rejected, not in idx
		{ExternalID: "x-1"},                               // 6: joins 3 by external id
		{Phone: "+8613800000001", Email: "b@example.com"}, // 7: joins 0
		{Email: "c@example.com"},                          // 8: alone
	}
	idx := []int{0, 1, 2, 3, 4, 6, 7, 8}
	got := sameCustomer(leads, idx)
	want := [][]int{{0, 7}, {1, 2, 4}, {3, 6}, {8}}
	if !slices.EqualFunc(got, want, slices.Equal[[]int]) {
		t.Errorf("chains = %v, want %v", got, want)
	}
}

// A later arrival can link two chains that began apart; they become one chain in input order.
func TestSameCustomerChainsMerge(t *testing.T) {
	leads := []*NewLead{
		{Phone: "+8613800000001"},
		{Email: "a@example.com"},
		{Phone: "+8613800000001", Email: "a@example.com"},
	}
	got := sameCustomer(leads, []int{0, 1, 2})
	if want := [][]int{{0, 1, 2}}; !slices.EqualFunc(got, want, slices.Equal[[]int]) {
		t.Errorf("chains = %v, want %v", got, want)
	}
}
