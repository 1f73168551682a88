package storage

import (
	"strconv"
	"testing"
)

// TestAssignIDsOutOfOrder: ids returned by a multi-row INSERT … RETURNING in another order than VALUES still
// reach their own rows; a missing or repeated key is an error, never a guess by position.
func TestAssignIDsOutOfOrder(t *testing.T) {
	custIDs := []int64{11, 12, 13}
	key := func(i int) string { return strconv.FormatInt(custIDs[i], 10) }
	got := []returnedID{{ID: 103, CustomerID: 13}, {ID: 101, CustomerID: 11}, {ID: 102, CustomerID: 12}}
	ids := make([]int64, 3)
	err := assignIDs(got, 3, key, func(r returnedID) string { return strconv.FormatInt(r.CustomerID, 10) },
		func(i int, id int64) { ids[i] = id })
	if err != nil || ids[0] != 101 || ids[1] != 102 || ids[2] != 103 {
		t.Fatalf("assignIDs = %v, %v; want [101 102 103]", ids, err)
	}

	for name, bad := range map[string][]returnedID{
		"missing":  {{ID: 1, CustomerID: 11}, {ID: 2, CustomerID: 12}, {ID: 3, CustomerID: 99}},
		"repeated": {{ID: 1, CustomerID: 11}, {ID: 2, CustomerID: 11}, {ID: 3, CustomerID: 13}},
		"short":    {{ID: 1, CustomerID: 11}},
	} {
		err := assignIDs(bad, 3, key, func(r returnedID) string { return strconv.FormatInt(r.CustomerID, 10) },
			func(int, int64) {})
		if err == nil {
			t.Errorf("%s: assignIDs accepted %v", name, bad)
		}
	}
}
