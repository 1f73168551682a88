package cards

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/baton-crm/baton/crm"
)

// Length caps for user text on cards. They keep the largest realistic card well under Lark's 30 KB and stop
// one long note from pushing everything else off the screen.
const (
	maxLine    = 80  // names, companies, campaigns, one-line values
	maxNote    = 500 // the lead's own note, command messages
	maxInsight = 200 // each insight: a card shows several, the full text stays in Baton
	maxListed  = 40  // a value repeated in a list (touch campaigns)
)

func bi(zh, en string) i18n { return i18n{ZH: zh, EN: en} }

// plain is a plain_text object: Lark shows its content literally, which is what makes user text safe.
func plain(zh, en string) text { return text{Tag: "plain_text", Content: zh, I18n: bi(zh, en)} }

// plainDiv is a block of literal text.
func plainDiv(zh, en string) div {
	return div{Tag: "div", Text: styledTxt{Tag: "plain_text", Content: zh, I18n: bi(zh, en)}}
}

// noteDiv is a block of small grey literal text.
func noteDiv(zh, en string) div {
	d := plainDiv(zh, en)
	d.Text.TextSize, d.Text.TextColor = "notation", "grey"
	return d
}

// md is a markdown block. Callers pass only Baton's own words, times, numbers and mentions built by mention:
// never user text, which belongs in plain_text.
func md(zh, en string) markdown {
	return markdown{Tag: "markdown", Content: zh, I18n: bi(zh, en)}
}

// same returns the i18n pair for text that reads the same in both languages (user text, numbers).
func same(s string) (string, string) { return s, s }

// cleanLine makes user text safe and short for a one-line plain_text value: control and bidi-override
// characters go (they can reorder or hide what a reader sees), line breaks become spaces.
func cleanLine(s string) string { return clip(sanitize(s, false), maxLine) }

// cleanBlock is cleanLine for multi-line text: line breaks are kept.
func cleanBlock(s string) string { return clip(sanitize(s, true), maxNote) }

func sanitize(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			if multiline && r != '\t' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case unicode.IsControl(r), isBidiControl(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// isBidiControl reports the explicit direction marks and overrides ("Trojan Source" characters). The zero
// width joiner stays: emoji sequences need it.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)
	return strings.TrimSpace(string(rs[:max-1])) + "…"
}

// mention returns Lark's mention markup for a Baton-known open_id, or "" when id does not look like one.
// Only open_ids issued by Lark (ou_…) pass, so "all" — which would ping everyone — never does.
func mention(openID string) string {
	if !validOpenID(openID) {
		return ""
	}
	return "<at id=" + openID + "></at>"
}

func validOpenID(id string) bool {
	if len(id) < 4 || len(id) > 64 || !strings.HasPrefix(id, "ou_") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// clock formats t for a card read at now: the time alone today, the date too otherwise.
func clock(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	default:
		return t.Format("2006-01-02 15:04")
	}
}

// span renders a duration the way people say it: "12 分钟" / "12 min", "2 小时 5 分钟" / "2 h 5 min".
func span(d time.Duration) (zh, en string) {
	if d < time.Minute {
		return "不到 1 分钟", "under 1 min"
	}
	return crm.HumanDuration(d.Truncate(time.Minute))
}

// parseSpan reads a duration as baton.yaml writes it: Go syntax plus a "d" suffix for days.
func parseSpan(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 3650 {
			return 0, false
		}
		return time.Duration(days) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

// money formats an amount in the smallest currency unit as ¥12,345.67 (amounts are in yuan).
func money(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	whole, cents := strconv.FormatInt(v/100, 10), v%100
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("¥%s.%02d", b.String(), cents)
	if neg {
		return "-" + s
	}
	return s
}

// displayPhone groups a mainland mobile number the way people read it, 138 0013 8000; other numbers keep
// their international form.
func displayPhone(e164 string) string {
	d, ok := strings.CutPrefix(e164, "+86")
	if !ok || len(d) != 11 {
		return e164
	}
	return d[:3] + " " + d[3:7] + " " + d[7:]
}

func stageName(s crm.Stage) (string, string) { return crm.StageName(s, "zh"), crm.StageName(s, "en") }

var qualityNames = map[crm.Quality][2]string{
	crm.QualityGoodFit:        {"优质线索", "Good fit"},
	crm.QualityInvalidNumber:  {"空号/错号", "Invalid number"},
	crm.QualityDuplicate:      {"重复线索", "Duplicate"},
	crm.QualityNoBudget:       {"没有预算", "No budget"},
	crm.QualityCompetitor:     {"已选竞品", "Went with a competitor"},
	crm.QualityNotDecisionMkr: {"非决策人", "Not the decision maker"},
	crm.QualityNoResponse:     {"联系不上", "No response"},
}

// QualityName returns the display name of a lead-quality verdict in lang ("zh" or "en").
func QualityName(q crm.Quality, lang string) string { return pick(qualityNames[q], string(q), lang) }

var lostReasonNames = map[string][2]string{
	"price":       {"价格原因", "Price"},
	"competitor":  {"选择了竞品", "Chose a competitor"},
	"no_budget":   {"没有预算", "No budget"},
	"no_need":     {"没有需求", "No need"},
	"no_response": {"联系不上", "No response"},
	"timing":      {"时机不合适", "Bad timing"},
	"other":       {"其他", "Other"},
}

// LostReasonName returns the display name of a lost reason (crm.LostReasons) in lang ("zh" or "en").
func LostReasonName(reason, lang string) string {
	return pick(lostReasonNames[reason], cleanLine(reason), lang)
}

func pick(names [2]string, fallback, lang string) string {
	switch {
	case names[0] == "":
		return fallback
	case lang == "zh":
		return names[0]
	default:
		return names[1]
	}
}
