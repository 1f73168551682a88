package cards

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/baton-crm/baton/crm"
)

// ActionVersion is the version of the callback value layout Baton writes. Version 2 added "pre", the
// lead's state as the card showed it (see crm.Expect). Version 1 values are still in chats and are still
// accepted: they carry no precondition, so the use cases hold them to their revision instead ("rev" 0:
// none), which refuses more clicks than a precondition would but never applies a stale one. Any other
// version is refused, so a layout change can never be misread.
const ActionVersion = 2

// legacyVersion is the layout before preconditions.
const legacyVersion = 1

// Keys of a version 2 precondition ("pre"): every value is a string, times in Unix milliseconds, "" for
// "none" (an unowned lead, no follow-up).
var preKeys = map[string]bool{"pool": true, "owner": true, "stage": true, "sla": true, "fu": true}

// Card action operations: the "op" of a callback value.
const (
	OpClaim        = "claim"         // take a lead from the pool
	OpOpen         = "open"          // send me the owner card again (lead lists)
	OpStage        = "stage"         // move the stage (standalone select)
	OpNote         = "note"          // log a note (note form)
	OpFollowUp     = "followup"      // set the follow-up date (standalone picker)
	OpSave         = "save"          // the owner card's work form: stage, note and follow-up together
	OpClose        = "close"         // the owner card's close form: outcome, lost reason, amount; answered with a confirmation
	OpCloseConfirm = "close_confirm" // the confirmation of a checked close: Args["outcome"], ["reason"], ["amount"] (cents)
	OpCloseBack    = "close_back"    // back from the confirmation to the owner card
	OpWon          = "won"           // mark won
	OpLost         = "lost"          // mark lost
	OpFeedback     = "feedback"      // rate lead quality (select; the option is the crm.Quality)
	OpRelease      = "release"       // give the lead back to the pool
	OpReassign     = "reassign"      // a manager hands the lead to someone (person picker)
	OpClaimFor     = "claim_for"     // a manager claims on behalf of Args["to"]
	OpExtend       = "extend"        // a manager extends the protection or SLA
	OpLock         = "lock"          // a manager locks the lead against recycling
	OpFollowUpDone = "followup_done" // the due follow-up happened
	OpSnooze       = "snooze"        // remind me later: Args["snooze"] is "1h" or "1d"
	OpLeadForm     = "lead_form"     // submit of the /lead form; carries no lead
	OpRoutePick    = "route_pick"    // pick a pool for a lead: Args["pool"]
	OpInsightPick  = "insight_pick"  // the "which customer?" card: Args["customer"], and Args["insight"] to file a pending insight
	OpInsightForm  = "insight_form"  // submit of the /insight form; carries no lead
	OpHistory      = "history"       // send me the lead's whole history (跟进记录) as one card
	OpPage         = "page"          // next page of /pool or /my: Args["list"], Args["offset"], Args["pool"]; carries no lead
	OpTeamRep      = "team_rep"      // /team drill-down: Args["pool"] and Args["rep"]; carries no lead
	OpBatchForm    = "batch_form"    // open the batch form for the unclaimed leads of Args["pool"]; carries no lead
	OpBatch        = "batch"         // submit of a batch form: Args["pool"], Args["do"] is "assign" or "move"; carries no lead
	OpAssistNote   = "assist_note"   // confirm an assistant's summary or brief (form input "summary"): Args["feature"]
	OpAssistStage  = "assist_stage"  // apply the stage an assistant's summary suggests: Args["stage"]
	OpAssistFollow = "assist_follow" // apply the follow-up date it suggests: Args["at"], RFC 3339
)

// leadless lists the operations that act on no existing lead: their values carry neither lead nor rev.
var leadless = map[string]bool{OpLeadForm: true, OpInsightPick: true, OpInsightForm: true, OpPage: true,
	OpTeamRep: true, OpBatchForm: true, OpBatch: true}

var knownOps = map[string]bool{
	OpClaim: true, OpOpen: true, OpStage: true, OpNote: true, OpFollowUp: true, OpSave: true, OpClose: true,
	OpWon: true, OpLost: true, OpFeedback: true, OpRelease: true, OpReassign: true, OpClaimFor: true,
	OpExtend: true, OpLock: true, OpFollowUpDone: true, OpSnooze: true, OpLeadForm: true, OpRoutePick: true,
	OpInsightPick: true, OpInsightForm: true, OpPage: true, OpTeamRep: true, OpBatchForm: true, OpBatch: true,
	OpHistory: true, OpCloseConfirm: true, OpCloseBack: true, OpAssistNote: true, OpAssistStage: true, OpAssistFollow: true,
}

// Limits on the extra fields of a value. Baton writes a handful of short ids; anything bigger was not
// written by Baton.
const (
	maxArgs     = 8
	maxArgKey   = 32
	maxArgValue = 256
	maxRev      = 1 << 53 // JSON numbers round-trip exactly up to here
)

// Action is a decoded card callback value: what to do (Op), to which lead at which revision, and any extra
// string fields (for example "to": an open_id, "snooze": "1h").
type Action struct {
	Op   string
	Lead int64
	Rev  int64
	Args map[string]string
	// Pre is the state of the lead the card showed; nil for a version 1 value, which had none.
	Pre *crm.Expect
}

// At is the action op on lead l as the card shows it: its revision and its precondition.
func At(l *crm.Lead, op string) Action {
	pre := crm.ExpectOf(l)
	return Action{Op: op, Lead: l.ID, Rev: l.Rev, Pre: &pre}
}

// Expect is the precondition the use case checks: the card's stated one, or for a version 1 value only
// its revision.
func (a Action) Expect() crm.Expect {
	if a.Pre != nil {
		return *a.Pre
	}
	return crm.Expect{Rev: a.Rev}
}

// Value returns the callback value to put in a component's behaviors: {"v":1,"op":…,"lead":"123","rev":7,…}.
// The lead id travels as a decimal string because JSON numbers lose precision past 2^53 in some clients.
// Args never override the reserved keys v, op, lead and rev.
func (a Action) Value() map[string]any {
	m := make(map[string]any, 4+len(a.Args))
	for k, v := range a.Args {
		if !reserved(k) {
			m[k] = v
		}
	}
	m["v"] = legacyVersion
	m["op"] = a.Op
	if !leadless[a.Op] {
		m["lead"] = strconv.FormatInt(a.Lead, 10)
		m["rev"] = a.Rev
		if a.Pre != nil {
			m["v"] = ActionVersion
			m["pre"] = encodePre(*a.Pre)
		}
	}
	return m
}

func encodePre(e crm.Expect) map[string]any {
	return map[string]any{"pool": e.Pool, "owner": e.Owner, "stage": string(e.Stage), "sla": millis(e.SLAFrom),
		"fu": millis(e.FollowUpAt)}
}

func millis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// decodePre reads a version 2 precondition strictly: exactly the known keys, short strings, times as
// Unix milliseconds.
func decodePre(raw any, rev int64) (*crm.Expect, error) {
	m, ok := raw.(map[string]any)
	if !ok || len(m) != len(preKeys) {
		return nil, invalidAction("precondition is missing")
	}
	s := make(map[string]string, len(m))
	for k, v := range m {
		str, ok := v.(string)
		if !preKeys[k] || !ok || len(str) > maxArgValue {
			return nil, invalidAction("precondition is not valid")
		}
		s[k] = str
	}
	e := &crm.Expect{Stated: true, Rev: rev, Pool: s["pool"], Owner: s["owner"], Stage: crm.Stage(s["stage"])}
	var ok1, ok2 bool
	e.SLAFrom, ok1 = fromMillis(s["sla"])
	e.FollowUpAt, ok2 = fromMillis(s["fu"])
	if !ok1 || !ok2 || (e.Stage != "" && !e.Stage.Valid()) {
		return nil, invalidAction("precondition is not valid")
	}
	return e, nil
}

// fromMillis reads what millis wrote: "" or a canonical decimal.
func fromMillis(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	n, ok := positiveID(s)
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(n).UTC(), true
}

// DecodeAction parses a callback value strictly: v must be 1, op a known operation, lead a positive decimal
// string (absent for operations without a lead), rev a non-negative whole number, and every other field a
// short string. Anything else is an EINVALID error: a value Baton did not write is never acted on.
func DecodeAction(v map[string]any) (Action, error) {
	if v == nil {
		return Action{}, invalidAction("the value is empty")
	}
	version, ok := wholeNumber(v["v"])
	if !ok || (version != ActionVersion && version != legacyVersion) {
		return Action{}, invalidAction("unsupported version")
	}
	op, ok := v["op"].(string)
	if !ok || !knownOps[op] {
		return Action{}, invalidAction("unknown operation")
	}
	a := Action{Op: op}
	_, hasLead := v["lead"]
	_, hasRev := v["rev"]
	_, hasPre := v["pre"]
	if leadless[op] || version == legacyVersion {
		if hasPre {
			return Action{}, invalidAction("unexpected precondition")
		}
	}
	if leadless[op] {
		if hasLead || hasRev {
			return Action{}, invalidAction("operation takes no lead")
		}
	} else {
		s, ok := v["lead"].(string)
		if !ok {
			return Action{}, invalidAction("lead is missing")
		}
		id, ok := positiveID(s)
		if !ok {
			return Action{}, invalidAction("lead is not a lead id")
		}
		rev, ok := wholeNumber(v["rev"])
		if !ok || rev < 0 {
			return Action{}, invalidAction("rev is not a revision")
		}
		a.Lead, a.Rev = id, rev
		if version == ActionVersion {
			var err error
			if a.Pre, err = decodePre(v["pre"], rev); err != nil {
				return Action{}, err
			}
		}
	}
	for k, raw := range v {
		if reserved(k) {
			continue
		}
		s, ok := raw.(string)
		if !ok || k == "" || len(k) > maxArgKey || len(s) > maxArgValue {
			return Action{}, invalidAction("unexpected field")
		}
		if a.Args == nil {
			a.Args = make(map[string]string)
		}
		if len(a.Args) == maxArgs {
			return Action{}, invalidAction("too many fields")
		}
		a.Args[k] = s
	}
	return a, nil
}

func reserved(k string) bool { return k == "v" || k == "op" || k == "lead" || k == "rev" || k == "pre" }

func invalidAction(reason string) error {
	return &crm.Error{Code: crm.EINVALID, Field: "action",
		Message: "This card action is not valid (" + reason + "); please use the latest card.",
		ZH:      "卡片操作无效，请使用最新的卡片。"}
}

// positiveID parses a canonical positive decimal: no sign, no leading zero, no spaces, fits int64.
func positiveID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// wholeNumber accepts the number types a value can hold after Value (int, int64), after encoding/json
// (float64) or after a decoder with UseNumber (json.Number), and only whole values within ±2^53.
func wholeNumber(x any) (int64, bool) {
	switch n := x.(type) {
	case int:
		return int64(n), n > -maxRev && n < maxRev
	case int64:
		return n, n > -maxRev && n < maxRev
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) || n != math.Trunc(n) || n <= -maxRev || n >= maxRev {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || i <= -maxRev || i >= maxRev {
			return 0, false
		}
		return i, true
	default:
		return 0, false
	}
}

// callback wraps a value as a component's behaviors list.
func callback(a Action) []behavior {
	return []behavior{{Type: "callback", Value: a.Value()}}
}
