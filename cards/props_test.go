package cards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/baton-crm/baton/crm"
)

// maxCardBytes is Lark's limit on a message request body. The card travels as a JSON string inside that
// body, so the check applies to the card once more JSON-quoted, plus room for the envelope.
const maxCardBytes = 30 * 1024

var elementIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)

// cardReport is what checkCard learned while walking a card, for tests that look further.
type cardReport struct {
	markdown []string // every markdown content and translation
	plain    []string // every plain_text content and translation
	actions  []Action // every decoded callback value
}

// checkCard asserts the rules every Baton card follows and returns what it saw.
func checkCard(t *testing.T, name string, b []byte) cardReport {
	t.Helper()
	var rep cardReport
	m := MustDecodeCard(t, b)
	if m["schema"] != "2.0" {
		t.Errorf("%s: schema = %v, want 2.0", name, m["schema"])
	}
	cfg, _ := m["config"].(map[string]any)
	if cfg["update_multi"] != true {
		t.Errorf("%s: config.update_multi = %v, want true", name, cfg["update_multi"])
	}
	if _, ok := cfg["summary"].(map[string]any); !ok {
		t.Errorf("%s: config.summary missing", name)
	}
	bodyObj, _ := m["body"].(map[string]any)
	elems, ok := bodyObj["elements"].([]any)
	if !ok {
		t.Fatalf("%s: body.elements missing", name)
	}
	quoted, _ := json.Marshal(string(b))
	if n := len(quoted) + 256; n > maxCardBytes {
		t.Errorf("%s: card needs %d bytes as a message body, over Lark's %d", name, n, maxCardBytes)
	}

	ids, names := map[string]bool{}, map[string]bool{}
	components, charts := 0, 0
	var walk func(x any, path string, inForm bool)
	walk = func(x any, path string, inForm bool) {
		switch x := x.(type) {
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", path, i), inForm)
			}
		case map[string]any:
			checkTextNode(t, name, path, x, &rep)
			tag, _ := x["tag"].(string)
			if id, ok := x["element_id"]; ok {
				s, _ := id.(string)
				if !elementIDPattern.MatchString(s) {
					t.Errorf("%s %s: element_id %q is not a letter then ≤ 19 letters, digits or _", name, path, s)
				}
				if ids[s] {
					t.Errorf("%s %s: element_id %q repeats", name, path, s)
				}
				ids[s] = true
			}
			if n, ok := x["name"].(string); ok && tag != "" {
				if names[n] {
					t.Errorf("%s %s: name %q repeats", name, path, n)
				}
				names[n] = true
			}
			switch tag {
			case "form":
				if !strings.HasPrefix(path, "body.elements[") || strings.Count(path, "[") != 1 {
					t.Errorf("%s %s: form not at the body root", name, path)
				}
				if _, ok := x["name"].(string); !ok {
					t.Errorf("%s %s: form without a name", name, path)
				}
			case "chart":
				charts++
			case "input", "select_static", "select_person", "date_picker", "picker_datetime":
				// Lark's JSON 2.0 input takes max_length in [1,1000] and refuses the card (230099) otherwise:
				// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/input
				if ml, has := x["max_length"]; has && tag == "input" {
					if n, _ := ml.(float64); n < 1 || n > maxInputLength {
						t.Errorf("%s %s: input max_length %v is outside Lark's [1,%d]", name, path, ml, maxInputLength)
					}
				}
				if _, ok := x["name"].(string); !ok {
					t.Errorf("%s %s: %s without a name", name, path, tag)
				}
				if !inForm && x["behaviors"] == nil {
					t.Errorf("%s %s: standalone %s without a callback: the handler would not learn the lead", name, path, tag)
				}
			case "button":
				if inForm && x["form_action_type"] == "submit" {
					if _, ok := x["name"].(string); !ok {
						t.Errorf("%s %s: submit button without a name", name, path)
					}
				}
				if x["behaviors"] == nil && x["form_action_type"] == nil {
					t.Errorf("%s %s: button that does nothing", name, path)
				}
			}
			if tag != "" && strings.HasPrefix(path, "body") {
				components++
			}
			if bs, ok := x["behaviors"]; ok {
				rep.actions = append(rep.actions, checkBehaviors(t, name, path, bs)...)
			}
			for k, v := range x {
				if k == "behaviors" {
					continue
				}
				walk(v, path+"."+k, inForm || tag == "form")
			}
		}
	}
	walk(m["header"], "header", false)
	walk(m["config"], "config", false)
	walk(elems, "body.elements", false)
	if components > 200 {
		t.Errorf("%s: %d components, over Lark's 200", name, components)
	}
	if charts > 5 {
		t.Errorf("%s: %d charts, over 5", name, charts)
	}
	return rep
}

// checkTextNode asserts that an object with content carries Chinese and English, with content the Chinese.
func checkTextNode(t *testing.T, name, path string, x map[string]any, rep *cardReport) {
	t.Helper()
	tag, _ := x["tag"].(string)
	content, hasContent := x["content"].(string)
	if !hasContent {
		if tag == "plain_text" || tag == "lark_md" || tag == "markdown" {
			t.Errorf("%s %s: %s without content", name, path, tag)
		}
		return
	}
	tr, _ := x["i18n_content"].(map[string]any)
	zh, _ := tr["zh_cn"].(string)
	en, _ := tr["en_us"].(string)
	if zh == "" || en == "" {
		t.Errorf("%s %s: text %q lacks zh_cn or en_us: %v", name, path, content, x["i18n_content"])
	}
	if content != zh {
		t.Errorf("%s %s: content %q is not the zh_cn text %q", name, path, content, zh)
	}
	for _, s := range []string{content, zh, en} {
		for _, r := range s {
			if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
				t.Errorf("%s %s: control character %U in %q", name, path, r, s)
			}
		}
	}
	switch tag {
	case "markdown", "lark_md":
		rep.markdown = append(rep.markdown, content, zh, en)
	default:
		rep.plain = append(rep.plain, content, zh, en)
	}
}

func checkBehaviors(t *testing.T, name, path string, bs any) []Action {
	t.Helper()
	list, ok := bs.([]any)
	if !ok || len(list) == 0 {
		t.Errorf("%s %s: behaviors is not a non-empty list", name, path)
		return nil
	}
	var out []Action
	for _, b := range list {
		obj, _ := b.(map[string]any)
		if obj["type"] != "callback" {
			continue
		}
		val, ok := obj["value"].(map[string]any)
		if !ok {
			t.Errorf("%s %s: callback value is not an object: %v", name, path, obj["value"])
			continue
		}
		a, err := DecodeAction(val)
		if err != nil {
			t.Errorf("%s %s: callback value %v does not decode: %v", name, path, val, err)
			continue
		}
		// Every action on a lead states its precondition, so a stale click can be told apart.
		if a.Lead > 0 && (val["v"] != float64(ActionVersion) || a.Pre == nil) {
			t.Errorf("%s %s: callback value %v has no precondition", name, path, val)
		}
		out = append(out, a)
	}
	return out
}

func TestEveryCardFollowsTheRules(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases() {
		checkCard(t, tc.name, tc.build())
	}
}

func TestLargestCardsFitLark(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	v := maximalView()
	views := make([]crm.LeadView, 50)
	for i := range views {
		views[i] = maximalView()
		views[i].Lead.ID = int64(1000 + i)
		if i%2 == 0 {
			views[i].Lead.OwnerID = ""
		}
	}
	cards := map[string][]byte{
		"pool":     r.PoolCard(v),
		"owner":    r.OwnerCard(v),
		"escalate": r.EventCard(v, event(crm.EventEscalated, "clock", "first_contact", "after", "4h")),
		"followup": r.EventCard(v, event(crm.EventFollowUpDue, "due", "2026-11-27T09:30:00+08:00")),
		"list":     LeadList([2]string{"我的线索", "My leads"}, views),
		"error":    CommandError(strings.Repeat("错", 2000), strings.Repeat("e", 2000), strings.Repeat("x", 2000)),
	}
	for name, b := range cards {
		checkCard(t, name, b)
		if len(b) < 2000 {
			t.Errorf("%s: only %d bytes: the maximal view did not reach the card", name, len(b))
		}
	}
	// The owner card must actually hold the long content it was given, capped rather than dropped.
	owner := string(cards["owner"])
	if !strings.Contains(owner, "还有 10 次") || !strings.Contains(owner, "还有 5 条洞察") {
		t.Errorf("owner card does not summarise the touches and insights it leaves out")
	}
}

// TestCallbacksCarryTheLead checks that every action on a lead card names that lead at its revision.
func TestCallbacksCarryTheLead(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	v := claimedView()
	for name, b := range map[string][]byte{
		"owner":    r.OwnerCard(v),
		"followup": r.EventCard(v, event(crm.EventFollowUpDue)),
		"warned":   r.EventCard(v, event(crm.EventWarned)),
		"escalate": r.EventCard(v, event(crm.EventEscalated, "clock", "first_contact")),
		"pool":     r.PoolCard(pooledView()),
	} {
		rep := checkCard(t, name, b)
		if len(rep.actions) == 0 {
			t.Errorf("%s: no actions", name)
		}
		for _, a := range rep.actions {
			wantRev := v.Lead.Rev
			if name == "pool" {
				wantRev = pooledView().Lead.Rev
			}
			if a.Lead != v.Lead.ID || a.Rev != wantRev {
				t.Errorf("%s: action %+v, want lead %d rev %d", name, a, v.Lead.ID, wantRev)
			}
		}
	}
	rep := checkCard(t, "lead_form", LeadForm())
	if len(rep.actions) != 1 || rep.actions[0].Op != OpLeadForm || rep.actions[0].Lead != 0 {
		t.Errorf("lead form actions = %+v, want one lead_form without a lead", rep.actions)
	}
}
