package larktest

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestBaseLimits: Base's documented refusals — more than 500 records (1254104), a missing record in an
// update (1254043), a value that does not fit its field type, two writes to one table at once (1254291) —
// and client_token idempotency of batch_create.
func TestBaseLimits(t *testing.T) {
	s := newServer(t, Config{})
	c := newSDK(t, s)
	s.AddBase("bascnLimits01")
	_, m := c.raw(t, "POST", "/open-apis/bitable/v1/apps/bascnLimits01/tables", map[string]any{
		"table": map[string]any{"name": "T", "fields": []any{
			map[string]any{"field_name": "n", "type": BaseTypeNumber}, map[string]any{"field_name": "s", "type": BaseTypeSelect}}}})
	table, _ := m["data"].(map[string]any)["table_id"].(string)
	path := "/open-apis/bitable/v1/apps/bascnLimits01/tables/" + table + "/records/"
	code := func(m map[string]any) int { f, _ := m["code"].(float64); return int(f) }

	many := make([]any, 501)
	for i := range many {
		many[i] = map[string]any{"fields": map[string]any{"n": float64(i)}}
	}
	if _, m := c.raw(t, "POST", path+"batch_create", map[string]any{"records": many}); code(m) != CodeBaseTooMany {
		t.Errorf("501 records: %v", m)
	}
	if _, m := c.raw(t, "POST", path+"batch_create", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"n": "x"}}}}); code(m) != CodeBaseNumberConv {
		t.Errorf("text in a number field: %v", m)
	}
	if _, m := c.raw(t, "POST", path+"batch_update", map[string]any{"records": []any{map[string]any{"record_id": "recNope", "fields": map[string]any{"n": 1.0}}}}); code(m) != CodeBaseRecordNotFound {
		t.Errorf("update of a missing record: %v", m)
	}
	for range 2 {
		if _, m := c.raw(t, "POST", path+"batch_create?client_token=tok-1", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"s": "新选项"}}}}); code(m) != 0 {
			t.Fatalf("create: %v", m)
		}
	}
	if recs := s.BaseRecords("bascnLimits01", table); len(recs) != 1 {
		t.Errorf("a repeated client_token created %d records", len(recs))
	}

	s.SetBaseWriteHold(200 * time.Millisecond)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, m := c.raw(t, "POST", path+"batch_create", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"n": float64(i)}}}})
			codes[i] = code(m)
		}()
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	if fmt.Sprint(codes) != fmt.Sprint([]int{0, CodeBaseWriteConflict}) {
		t.Errorf("two writes at once: codes %v, want [0 %d]", codes, CodeBaseWriteConflict)
	}
}
