package cards

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
)

// marker starts every hostile string, so a test can tell user text apart from Baton's own words.
const marker = "ZQX"

var hostile = []struct {
	name string
	in   string
	want string // how a one-line field must read on the card
}{
	{"markdown", marker + " **@all** _x_ ~~y~~ `z`", marker + " **@all** _x_ ~~y~~ `z`"},
	{"at_all", marker + "<at id=all></at>", marker + "<at id=all></at>"},
	{"at_user_id", marker + `<at user_id="all">所有人</at>`, marker + `<at user_id="all">所有人</at>`},
	{"at_rep", marker + "<at id=ou_owner1></at>", marker + "<at id=ou_owner1></at>"},
	{"link", marker + "[click](http://evil.example/x)", marker + "[click](http://evil.example/x)"},
	{"html", marker + `<font color='red'>x</font><a href="http://evil">y</a>`, marker + `<font color='red'>x</font><a href="http://evil">y</a>`},
	{"entity", marker + "&lt;at id=all&gt;&#42;", marker + "&lt;at id=all&gt;&#42;"},
	{"emoji", marker + " 😀👨‍👩‍👧 ok", marker + " 😀👨‍👩‍👧 ok"},
	{"control", marker + "\x00a\x1b[31mb\u202Ec\u0007d\u2066e", marker + "a[31mbcde"},
	{"newlines", marker + " line1\n# heading\r\n- item\tx", marker + " line1 # heading - item x"},
	{"invalid_utf8", marker + "a\xffb", marker + "a\uFFFDb"},
}

// hostileView puts s in every field a customer, rep or ops person can type, and gives mentions ids that
// are not open_ids.
func hostileView(s string) crm.LeadView {
	v := claimedView()
	v.Customer.Name, v.Customer.Company, v.Customer.Title, v.Customer.Region = s, s, s, s
	v.Customer.Tags = []string{s}
	v.Lead.Campaign, v.Lead.Note, v.Lead.Tags, v.Lead.LostReason = s, s, []string{s}, s
	v.Touches[0].Campaign = s
	v.Insights[0].Note, v.Insights[0].Tags = s, []string{s}
	v.Insights[1].AuthorID = "all"
	v.Pool.Name = s
	v.Owner.Name = s
	return v
}

var mentionPattern = regexp.MustCompile(`<at id=(ou_[A-Za-z0-9_-]+)></at>`)

// checkNoInjection asserts that no user text reached a markdown node and that the only mentions are of
// Baton-known open_ids.
func checkNoInjection(t *testing.T, name string, rep cardReport, allowed ...string) {
	t.Helper()
	for _, s := range rep.markdown {
		if strings.Contains(s, marker) {
			t.Errorf("%s: user text reached markdown: %q", name, s)
		}
		ms := mentionPattern.FindAllStringSubmatch(s, -1)
		if n := strings.Count(s, "<at"); n != len(ms) {
			t.Errorf("%s: markdown %q has %d <at tags, only %d are well-formed mentions", name, s, n, len(ms))
		}
		for _, m := range ms {
			ok := false
			for _, a := range allowed {
				ok = ok || m[1] == a
			}
			if !ok {
				t.Errorf("%s: markdown mentions %s, not a known member", name, m[1])
			}
		}
	}
}

func TestUserTextCannotInject(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			v := hostileView(h.in)
			lost := hostileView(h.in)
			lost.Lead.Stage = crm.StageLost
			builds := map[string][]byte{
				"pool":      r.PoolCard(v),
				"owner":     r.OwnerCard(v),
				"lost_pool": r.PoolCard(lost),
				"lost_own":  r.OwnerCard(lost),
				"touch":     r.EventCard(v, event(crm.EventTouch, "source", h.in, "campaign", h.in)),
				"reminded":  r.EventCard(v, event(crm.EventReminded, "clock", "first_contact", "after", h.in)),
				"escalated": r.EventCard(v, event(crm.EventEscalated, "clock", h.in, "after", h.in)),
				"followup":  r.EventCard(v, event(crm.EventFollowUpDue, "due", h.in)),
				"warned":    r.EventCard(v, event(crm.EventWarned, "deadline", h.in)),
				"recycled":  r.EventCard(v, event(crm.EventRecycled, "prev_owner", h.in)),
				"list":      LeadList([2]string{h.in, h.in}, []crm.LeadView{v, hostileView(h.in)}),
				"text":      Text(h.in, h.in),
				"error":     CommandError(h.in, h.in, h.in),
			}
			for name, b := range builds {
				rep := checkCard(t, name, b)
				checkNoInjection(t, name, rep, ownerID, opsID, "ou_rep2", "ou_rep3", managerID)
			}
			title := MustDecodeCard(t, builds["pool"])["header"].(map[string]any)["title"].(map[string]any)
			if title["content"] != h.want {
				t.Errorf("pool card title = %q, want the name literally: %q", title["content"], h.want)
			}
			rep := checkCard(t, "owner", builds["owner"])
			note := sanitize(h.in, true)
			found := false
			for _, s := range rep.plain {
				found = found || strings.Contains(s, "备注："+note)
			}
			if !found {
				t.Errorf("owner card does not show the note %q literally in plain text", note)
			}
		})
	}
}

// TestOwnerWithoutOpenID: a name from the directory is user text; without a usable open_id the owner is
// named in plain text, never in markdown.
func TestOwnerWithoutOpenID(t *testing.T) {
	t.Parallel()
	v := hostileView(marker + "<at id=all></at>")
	v.Lead.OwnerID = "ou_x></at><at id=all"
	rep := checkCard(t, "pool", Renderer{}.PoolCard(v))
	checkNoInjection(t, "pool", rep, opsID)
	want := "认领人 " + marker + "<at id=all></at> · 09:05 认领"
	found := false
	for _, s := range rep.plain {
		found = found || s == want
	}
	if !found {
		t.Errorf("claimed line %q not shown as plain text; plain texts: %q", want, rep.plain)
	}
}

func TestGroupCardsNeverRevealContact(t *testing.T) {
	t.Parallel()
	r := Renderer{}
	views := map[string]crm.LeadView{"pooled": pooledView(), "overdue": overdueView(), "claimed": claimedView(),
		"won": wonView(), "lost": lostView(), "max": maximalView()}
	for vname, v := range views {
		cards := map[string][]byte{"pool": r.PoolCard(v), "list": LeadList([2]string{"线索", "Leads"}, []crm.LeadView{v})}
		for _, k := range []crm.EventKind{crm.EventTouch, crm.EventReminded, crm.EventEscalated, crm.EventFollowUpDue, crm.EventWarned, crm.EventRecycled} {
			cards[string(k)] = r.EventCard(v, event(k, "clock", "first_contact"))
		}
		for cname, b := range cards {
			s := string(b)
			for _, secret := range []string{fullPhone, nationalPhone, fullEmail, "zhang.san"} {
				if strings.Contains(s, secret) {
					t.Errorf("%s card for %s view shows %q", cname, vname, secret)
				}
			}
		}
	}
	for _, tc := range goldenCases() {
		if !tc.group {
			continue
		}
		if s := string(tc.build()); strings.Contains(s, nationalPhone) || strings.Contains(s, displayPhone(fullPhone)) || strings.Contains(s, fullEmail) {
			t.Errorf("%s: group card shows the full phone or email", tc.name)
		}
	}
	owner := string(r.OwnerCard(claimedView()))
	if !strings.Contains(owner, displayPhone(fullPhone)) || !strings.Contains(owner, fullEmail) {
		t.Errorf("owner card must reveal the full phone and email:\n%s", owner)
	}
	if !strings.Contains(string(r.PoolCard(pooledView())), "138****8000") {
		t.Errorf("pool card does not show the masked phone")
	}
	erased := string(r.OwnerCard(erasedView()))
	if strings.Contains(erased, "138") || strings.Contains(erased, "@example.com") {
		t.Errorf("card of an erased customer shows contact details")
	}
}

func TestMention(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ id, want string }{
		{"ou_abc123", "<at id=ou_abc123></at>"},
		{"ou_A-b_9", "<at id=ou_A-b_9></at>"},
		{"all", ""},
		{"", ""},
		{"ou_", ""},
		{"ou_x></at><at id=all", ""},
		{"ou_x y", ""},
		{"on_union", ""},
		{"ou_" + strings.Repeat("a", 62), ""},
	} {
		if got := mention(tt.id); got != tt.want {
			t.Errorf("mention(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestSanitizeAndClip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{"  a\r\nb  ", true, "a\nb"},
		{"a\r\nb", false, "a b"},
		{"a\u2028b", true, "a\nb"},
		{"\u202Eevil\u202C", false, "evil"},
		{"👨‍👩‍👧", false, "👨‍👩‍👧"},
		{"a\x7fb\u0085c", false, "abc"},
	} {
		if got := sanitize(tt.in, tt.multiline); got != tt.want {
			t.Errorf("sanitize(%q, %v) = %q, want %q", tt.in, tt.multiline, got, tt.want)
		}
	}
	if got := clip("一二三四五", 3); got != "一二…" {
		t.Errorf("clip = %q, want 一二…", got)
	}
	if got := clip("abc", 3); got != "abc" {
		t.Errorf("clip = %q, want abc", got)
	}
}

func TestSpanMoneyClock(t *testing.T) {
	t.Parallel()
	spans := []struct {
		d      time.Duration
		zh, en string
	}{
		{30 * time.Second, "不到 1 分钟", "under 1 min"},
		{12 * time.Minute, "12 分钟", "12 min"},
		{2 * time.Hour, "2 小时", "2 h"},
		{2*time.Hour + 5*time.Minute, "2 小时 5 分钟", "2 h 5 min"},
		{3 * 24 * time.Hour, "3 天", "3 d"},
		{50 * time.Hour, "2 天 2 小时", "2 d 2 h"},
	}
	for _, tt := range spans {
		if zh, en := span(tt.d); zh != tt.zh || en != tt.en {
			t.Errorf("span(%v) = %q, %q; want %q, %q", tt.d, zh, en, tt.zh, tt.en)
		}
	}
	for in, want := range map[string]time.Duration{"15m": 15 * time.Minute, "2h": 2 * time.Hour, "7d": 7 * 24 * time.Hour} {
		if got, ok := parseSpan(in); !ok || got != want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "-5m", "1.5d", "99999d"} {
		if _, ok := parseSpan(in); ok {
			t.Errorf("parseSpan(%q) accepted", in)
		}
	}
	for v, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 123456: "¥1,234.56", 12345678: "¥123,456.78", -100000: "-¥1,000.00"} {
		if got := money(v); got != want {
			t.Errorf("money(%d) = %q, want %q", v, got, want)
		}
	}
	for in, want := range map[string]string{"+8613800138000": "138 0013 8000", "+14155550100": "+14155550100", "+861380013800": "+861380013800"} {
		if got := displayPhone(in); got != want {
			t.Errorf("displayPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Hour), "09:00"},
		{now.Add(-24 * time.Hour), "2026-11-26 10:00"},
		{now.AddDate(-1, 0, 0), "2025-11-27 10:00"},
		{time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC), "09:00"}, // shown in the card's zone
	} {
		if got := clock(tt.t, now, shanghai); got != tt.want {
			t.Errorf("clock(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
