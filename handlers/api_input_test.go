package handlers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestLeadBodyRefusesWhatDecodingWouldChange: input that encoding/json (or storage) would silently turn
// into something else is refused with an error naming the field, and nothing is decoded.
func TestLeadBodyRefusesWhatDecodingWouldChange(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth)
	tests := []struct {
		name  string
		body  string
		field string
		msg   string
	}{
		{"invalid utf-8 in a value", "{\"phone\":\"13800138000\",\"name\":\"\xff\xfe\"}", "name", "UTF-8"},
		{"invalid utf-8 in a key", "{\"phone\":\"13800138000\",\"attributes\":{\"k\xff\":1}}", "attributes", "UTF-8"},
		{"lone surrogate escape", `{"phone":"13800138000","name":"a\ud800b"}`, "name", "UTF-8"},
		{"lone low surrogate escape", `{"phone":"13800138000","company":"\udc00"}`, "company", "UTF-8"},
		{"nul in an attribute value", `{"phone":"13800138000","attributes":{"k":"a\u0000b"}}`, "attributes.k", "NUL"},
		{"nul in an attribute key", `{"phone":"13800138000","attributes":{"k\u0000":"v"}}`, "attributes", "NUL"},
		{"nul deep in attributes", `{"phone":"13800138000","attributes":{"k":[{"x":"\u0000"}]}}`, "attributes.k[0].x", "NUL"},
		{"integer beyond float64", `{"phone":"13800138000","attributes":{"order":9007199254740993}}`, "attributes.order", "exactly"},
		{"huge integer", `{"phone":"13800138000","attributes":{"n":123456789012345678901234567890}}`, "attributes.n", "exactly"},
		{"number out of range", `{"phone":"13800138000","attributes":{"n":1e400}}`, "attributes.n", "exactly"},
		{"duplicate key", `{"phone":"13800138000","name":"甲","name":"乙"}`, "name", "more than once"},
		{"duplicate key by case", `{"phone":"13800138000","name":"甲","NAME":"乙"}`, "NAME", "more than once"},
		{"duplicate attribute key", `{"phone":"13800138000","attributes":{"a":1,"a":2}}`, "attributes.a", "more than once"},
		{"bidi override in name", `{"phone":"13800138000","name":"张\u202e三"}`, "name", "direction"},
		{"bidi isolate in company", `{"phone":"13800138000","company":"示例\u2066科技"}`, "company", "direction"},
		{"too deep", `{"phone":"13800138000","attributes":` + deep + `}`, "attributes" + strings.Repeat(".a", maxJSONDepth-1), "deeper"},
	}
	for _, tt := range tests {
		in, err := decodeLead([]byte(tt.body))
		if err == nil {
			_, err = in.Normalize("test", time.Unix(0, 0))
		}
		status, e := toAPIError(err)
		if err == nil || status != 400 || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("%s: got %v (status %d, field %q); want 400 naming %q with %q", tt.name, err, status, e.Field, tt.field, tt.msg)
		}
	}
}

// TestLeadBodyKeepsWhatIsFine: the checks do not refuse ordinary input: exact integers, decimals, nested
// attributes, escaped pairs that make one character, Arabic letters without direction overrides.
func TestLeadBodyKeepsWhatIsFine(t *testing.T) {
	t.Parallel()
	body := `{"phone":"13800138000","name":"王\ud83d\ude42五","company":"شركة","attributes":{"order":9007199254740992,"price":19.99,"deep":{"list":[1,"two",null,true]}}}`
	in, err := decodeLead([]byte(body))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	nl, err := in.Normalize("test", time.Unix(0, 0))
	if err != nil {
		t.Fatalf("normalize: %v", err)
	}
	if nl.Name != "王🙂五" {
		t.Errorf("name = %q", nl.Name)
	}
	b, _ := json.Marshal(nl.Attributes)
	if !strings.Contains(string(b), `"order":9007199254740992`) || !strings.Contains(string(b), `"price":19.99`) {
		t.Errorf("attributes = %s", b)
	}
}

// TestBatchBodyRefusesDuplicateLeads: a batch with two "leads" arrays is refused whole (the first array
// would otherwise be dropped), while a broken item fails on its own.
func TestBatchBodyRefusesDuplicateLeads(t *testing.T) {
	t.Parallel()
	_, err := decodeBatch([]byte(`{"leads":[{"phone":"13800138000"}],"leads":[{"phone":"13900139000"}]}`))
	if _, e := toAPIError(err); err == nil || e.Field != "leads" || !strings.Contains(e.Message, "more than once") {
		t.Errorf("two leads arrays: %v", err)
	}
	items, err := decodeBatch([]byte("{\"leads\":[{\"phone\":\"13800138000\"},{\"phone\":\"13900139000\",\"name\":\"\xff\"}]}"))
	if err != nil || len(items) != 2 {
		t.Fatalf("batch with one broken item: %v, %d items", err, len(items))
	}
	if _, err := decodeLead(items[0]); err != nil {
		t.Errorf("good item: %v", err)
	}
	if _, err := decodeLead(items[1]); err == nil || fieldOf(err) != "name" {
		t.Errorf("broken item decoded: %v", err)
	}
}

func fieldOf(err error) string {
	_, e := toAPIError(err)
	return e.Field
}
