package cards

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/google/go-cmp/cmp"
)

func roundTripActions() []Action {
	return []Action{
		{Op: OpClaim, Lead: 123, Rev: 7},
		{Op: OpClaim, Lead: 1, Rev: 0},
		{Op: OpSave, Lead: math.MaxInt64, Rev: 1<<53 - 1},
		{Op: OpSnooze, Lead: 42, Rev: 3, Args: map[string]string{"snooze": "1d"}},
		{Op: OpClaimFor, Lead: 42, Rev: 3, Args: map[string]string{"to": "ou_abc", "why": "过载 overload"}},
		{Op: OpLeadForm},
		{Op: OpRoutePick, Lead: 9, Rev: 2, Args: map[string]string{"pool": "east"}},
		At(&crm.Lead{ID: 77, Rev: 5, Pool: "east", OwnerID: "ou_amy", Stage: crm.StageContacted,
			SLAFrom: time.UnixMilli(1_700_000_000_123), FollowUpAt: time.UnixMilli(1_700_000_600_000)}, OpReassign),
		At(&crm.Lead{ID: 78, Rev: 1, Pool: "east", Stage: crm.StageNew}, OpClaim),
	}
}

// TestActionPrecondition: a card drawn from a lead states the lead's owner, stage, SLA anchor and
// follow-up; a version 1 value (a card already in a chat) decodes without one and is held to its revision.
func TestActionPrecondition(t *testing.T) {
	t.Parallel()
	l := &crm.Lead{ID: 9, Rev: 4, Pool: "east", OwnerID: "ou_amy", Stage: crm.StageContacted,
		SLAFrom: time.Date(2030, 1, 2, 3, 4, 5, 678_901_234, time.UTC)}
	raw, _ := json.Marshal(At(l, OpExtend).Value())
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	a, err := DecodeAction(m)
	if err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	want := crm.Expect{Stated: true, Rev: 4, Pool: "east", Owner: "ou_amy", Stage: crm.StageContacted,
		SLAFrom: time.UnixMilli(l.SLAFrom.UnixMilli()).UTC()}
	if diff := cmp.Diff(want, a.Expect()); diff != "" {
		t.Errorf("precondition of %s (-want +got):\n%s", raw, diff)
	}
	old, err := DecodeAction(map[string]any{"v": float64(1), "op": "extend", "lead": "9", "rev": float64(3)})
	if err != nil {
		t.Fatalf("a version 1 value must still decode: %v", err)
	}
	if got := old.Expect(); got.Stated || got.Rev != 3 {
		t.Errorf("version 1 precondition = %+v, want the revision only", got)
	}
}

// TestActionRoundTrip decodes values as handlers see them: straight from Value, after encoding/json
// (numbers become float64) and after a decoder with UseNumber.
func TestActionRoundTrip(t *testing.T) {
	t.Parallel()
	for _, a := range roundTripActions() {
		direct, err := DecodeAction(a.Value())
		if err != nil {
			t.Fatalf("DecodeAction(%+v.Value()): %v", a, err)
		}
		if diff := cmp.Diff(a, direct); diff != "" {
			t.Errorf("direct round trip (-want +got):\n%s", diff)
		}
		raw, err := json.Marshal(a.Value())
		if err != nil {
			t.Fatal(err)
		}
		var plainMap map[string]any
		if err := json.Unmarshal(raw, &plainMap); err != nil {
			t.Fatal(err)
		}
		viaJSON, err := DecodeAction(plainMap)
		if err != nil {
			t.Fatalf("DecodeAction(%s): %v", raw, err)
		}
		if diff := cmp.Diff(a, viaJSON); diff != "" {
			t.Errorf("JSON round trip of %s (-want +got):\n%s", raw, diff)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var numMap map[string]any
		if err := dec.Decode(&numMap); err != nil {
			t.Fatal(err)
		}
		viaNumber, err := DecodeAction(numMap)
		if err != nil {
			t.Fatalf("DecodeAction(UseNumber %s): %v", raw, err)
		}
		if diff := cmp.Diff(a, viaNumber); diff != "" {
			t.Errorf("UseNumber round trip (-want +got):\n%s", diff)
		}
	}
}

func TestActionValueLayout(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(Action{Op: OpClaim, Lead: 123, Rev: 7}.Value())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"lead":"123","op":"claim","rev":7,"v":1}`; string(got) != want { // no precondition: the version 1 layout
		t.Errorf("value = %s, want %s", got, want)
	}
	// Args cannot overwrite the reserved keys, whatever a caller puts in them.
	v := Action{Op: OpClaim, Lead: 5, Rev: 1, Args: map[string]string{"op": "release", "lead": "6", "v": "2", "rev": "9"}}.Value()
	if v["op"] != OpClaim || v["lead"] != "5" || v["rev"] != int64(1) || v["v"] != 1 {
		t.Errorf("Args overrode reserved keys: %v", v)
	}
	if v := (Action{Op: OpLeadForm, Lead: 5}).Value(); v["lead"] != nil || v["rev"] != nil {
		t.Errorf("lead_form value carries a lead: %v", v)
	}
}

func TestDecodeActionRefuses(t *testing.T) {
	t.Parallel()
	base := func(kv ...any) map[string]any {
		m := map[string]any{"v": float64(1), "op": "claim", "lead": "123", "rev": float64(7)}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	manyArgs := base()
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		manyArgs[k] = "x"
	}
	tests := map[string]map[string]any{
		"nil":               nil,
		"empty":             {},
		"no version":        base("v", nil),
		"version 2 no pre":  base("v", float64(2)),
		"version 3":         base("v", float64(3)),
		"v1 with pre":       base("pre", map[string]any{"pool": "", "owner": "", "stage": "", "sla": "", "fu": ""}),
		"v2 pre not object": base("v", float64(2), "pre", "x"),
		"v2 pre extra key":  base("v", float64(2), "pre", map[string]any{"pool": "", "owner": "", "stage": "", "sla": "", "fu": "", "x": ""}),
		"v2 pre bad time":   base("v", float64(2), "pre", map[string]any{"pool": "", "owner": "", "stage": "", "sla": "-5", "fu": ""}),
		"v2 pre bad stage":  base("v", float64(2), "pre", map[string]any{"pool": "", "owner": "", "stage": "nope", "sla": "", "fu": ""}),
		"v2 pre number":     base("v", float64(2), "pre", map[string]any{"pool": "", "owner": "", "stage": "", "sla": float64(5), "fu": ""}),
		"version string":    base("v", "1"),
		"version fraction":  base("v", 1.5),
		"no op":             base("op", nil),
		"unknown op":        base("op", "delete_everything"),
		"op number":         base("op", float64(1)),
		"op case":           base("op", "Claim"),
		"no lead":           base("lead", nil),
		"lead number":       base("lead", float64(123)),
		"lead zero":         base("lead", "0"),
		"lead negative":     base("lead", "-1"),
		"lead plus":         base("lead", "+1"),
		"lead leading zero": base("lead", "0123"),
		"lead exponent":     base("lead", "1e3"),
		"lead space":        base("lead", " 123"),
		"lead hex":          base("lead", "0x10"),
		"lead overflow":     base("lead", "9223372036854775808"),
		"lead empty":        base("lead", ""),
		"lead full-width":   base("lead", "１２３"),
		"no rev":            base("rev", nil),
		"rev negative":      base("rev", float64(-1)),
		"rev fraction":      base("rev", 7.5),
		"rev string":        base("rev", "7"),
		"rev NaN":           base("rev", math.NaN()),
		"rev infinity":      base("rev", math.Inf(1)),
		"rev huge":          base("rev", float64(1<<60)),
		"rev bad number":    base("rev", json.Number("7.0")),
		"arg number":        base("to", float64(5)),
		"arg object":        base("to", map[string]any{"x": "y"}),
		"arg too long":      base("to", strings.Repeat("x", maxArgValue+1)),
		"arg key too long":  base(strings.Repeat("k", maxArgKey+1), "x"),
		"too many args":     manyArgs,
		"leadless with id":  {"v": float64(1), "op": OpLeadForm, "lead": "5"},
		"leadless with rev": {"v": float64(1), "op": OpLeadForm, "rev": float64(0)},
	}
	for name, v := range tests {
		a, err := DecodeAction(v)
		if err == nil {
			t.Errorf("%s: DecodeAction(%v) = %+v, want an error", name, v, a)
			continue
		}
		if code := crm.ErrorCode(err); code != crm.EINVALID {
			t.Errorf("%s: error code %q, want %q", name, code, crm.EINVALID)
		}
		if en, zh := crm.ErrorMessage(err); en == "" || zh == "" {
			t.Errorf("%s: error lacks a user-safe message in both languages: %q %q", name, en, zh)
		}
	}
	if _, err := DecodeAction(base()); err != nil {
		t.Fatalf("the base value must decode: %v", err)
	}
}

// FuzzDecodeAction feeds arbitrary JSON to the decoder: it must never panic, and whatever it accepts must
// be an action Baton could have written, which encodes back to a value that decodes to the same action.
func FuzzDecodeAction(f *testing.F) {
	for _, a := range roundTripActions() {
		b, _ := json.Marshal(a.Value())
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"op":"claim","lead":"1","rev":1e300}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, useNumber := range []bool{false, true} {
			dec := json.NewDecoder(bytes.NewReader(data))
			if useNumber {
				dec.UseNumber()
			}
			var v map[string]any
			if dec.Decode(&v) != nil {
				return
			}
			a, err := DecodeAction(v)
			if err != nil {
				if crm.ErrorCode(err) != crm.EINVALID {
					t.Fatalf("DecodeAction(%s) error %v is not EINVALID", data, err)
				}
				continue
			}
			if !knownOps[a.Op] || a.Rev < 0 || (a.Lead <= 0) != leadless[a.Op] || len(a.Args) > maxArgs {
				t.Fatalf("DecodeAction(%s) accepted %+v", data, a)
			}
			again, err := DecodeAction(a.Value())
			if err != nil {
				t.Fatalf("re-decoding %+v: %v", a, err)
			}
			if diff := cmp.Diff(a, again); diff != "" {
				t.Fatalf("round trip of %s (-first +again):\n%s", data, diff)
			}
		}
	})
}
