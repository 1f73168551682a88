package crm

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// InsightRequest is an insight as ops post it, before its target is resolved to a customer. Exactly one
// of Customer, Campaign and Source names the target.
type InsightRequest struct {
	Customer  CustomerQuery
	Campaign  string
	Source    string
	Tags      []string // normalised (NormalizeTag), without duplicates
	Note      string
	AuthorID  string
	ChatID    string
	MessageID string // the chat message the insight came from
}

// HasTarget reports whether the request names a target.
func (r *InsightRequest) HasTarget() bool {
	return !r.Customer.IsZero() || r.Campaign != "" || r.Source != ""
}

// minCompanyQuery is the shortest company name a search accepts, so that one letter does not match half
// the customers.
const minCompanyQuery = 2

// ParseInsight reads the text of /insight: a target first, then tags (#tag, ＃tag, or several glued
// together as #a#b) and a free note in any order.
//
//	13800138000 #价格敏感 #决策人是CFO 关注交付周期    a customer by phone
//	campaign:双11 #预算充足 大部分来自华东制造业       a campaign (also 活动:), a source (source:, 来源:)
//	#123 …, lead:123 …                                 the customer of lead 123
//	zhang@example.com …, ACME …, "ACME Corp" …         a customer by email or company name
//
// Problems are EINVALID errors whose messages are safe to show the author.
func ParseInsight(text string) (InsightRequest, error) {
	r, rest, err := ParseInsightTarget(text)
	if err != nil {
		return InsightRequest{}, err
	}
	var note []string
	for _, w := range strings.Fields(rest) {
		if tags, ok := splitTags(w); ok {
			r.Tags = append(r.Tags, tags...)
			continue
		}
		note = append(note, w)
	}
	r.Note = strings.Join(note, " ")
	if err := r.normalize(); err != nil {
		return InsightRequest{}, err
	}
	return r, nil
}

// InsightFromForm reads the insight form: the target as /insight takes it, tags separated by spaces,
// commas or #, and the note as typed.
func InsightFromForm(target, tags, note string) (InsightRequest, error) {
	r, rest, err := ParseInsightTarget(target)
	if err != nil {
		return InsightRequest{}, err
	}
	if strings.TrimSpace(rest) != "" {
		return InsightRequest{}, Bilingual(EINVALID, "对象只能填写一个：手机号、邮箱、线索编号、公司名，或 campaign:活动名",
			"Give one target only: a phone, an email, a lead number, a company, or campaign:NAME")
	}
	r.Tags = strings.FieldsFunc(tags, func(c rune) bool {
		return unicode.IsSpace(c) || strings.ContainsRune(",，、;；#＃", c)
	})
	r.Note = note
	if err := r.normalize(); err != nil {
		return InsightRequest{}, err
	}
	return r, nil
}

// ParseInsightTarget reads the target at the start of text (see ParseInsight) and returns the rest.
func ParseInsightTarget(text string) (r InsightRequest, rest string, err error) {
	word, rest := firstWord(text)
	if word == "" {
		return r, "", Bilingual(EINVALID, "请先写明对象：手机号、邮箱、线索编号、公司名，或 campaign:活动名",
			"Start with a target: a phone, an email, a lead number, a company, or campaign:NAME")
	}
	if q, ok := quoted(word + " " + rest); ok {
		word, rest = q.word, q.rest
		err = r.setCustomer("company", word)
		return r, rest, err
	}
	hw := toHalfWidth(word)
	if id, ok := strings.CutPrefix(hw, "#"); ok {
		if n, perr := strconv.ParseInt(id, 10, 64); perr == nil && n > 0 {
			r.Customer.LeadID = n
			return r, rest, nil
		}
		return r, "", Bilingual(EINVALID, "请先写明对象，再写 #标签", "Name the target first, then the #tags")
	}
	if k, v, ok := cutKey(hw); ok {
		if v == "" && !strings.HasPrefix(toHalfWidth(rest), "#") {
			v, rest = firstWord(rest)
		}
		if v == "" {
			return r, "", FieldError("target", "%s: needs a value", k)
		}
		switch k {
		case "campaign", "活动":
			r.Campaign, err = cleanText("campaign", v, maxCampaign, false)
		case "source", "来源", "渠道":
			r.Source, err = cleanText("source", v, maxShort, false)
		case "customer", "客户":
			err = r.setCustomer(shape(v), v)
		default:
			err = r.setCustomer(k, v)
		}
		return r, rest, err
	}
	return r, rest, r.setCustomer(shape(hw), word)
}

// shape guesses what a bare customer word is: an email, a phone number or a company name.
func shape(w string) string {
	w = toHalfWidth(w)
	switch {
	case strings.Contains(w, "@"):
		return "email"
	case looksLikePhone(w):
		return "phone"
	}
	return "company"
}

// setCustomer sets the customer query from a typed key and value.
func (r *InsightRequest) setCustomer(key, v string) error {
	var err error
	switch key {
	case "phone", "手机", "电话":
		r.Customer.Phone, err = NormalizePhone(v)
	case "email", "邮箱":
		r.Customer.Email, err = NormalizeEmail(v)
	case "lead", "线索":
		n, perr := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64)
		if perr != nil || n <= 0 {
			return Bilingual(EINVALID, "线索编号应为数字，例如 lead:123", "A lead number is digits, for example lead:123")
		}
		r.Customer.LeadID = n
	default: // company, 公司, customer, 客户
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) < minCompanyQuery {
			return Bilingual(EINVALID, "公司名至少两个字", "A company name needs at least two characters")
		}
		r.Customer.Company, err = cleanText("company", v, maxCompany, false)
	}
	return err
}

// normalize cleans the tags and note and checks there is something to say.
func (r *InsightRequest) normalize() error {
	var tags []string
	for _, t := range r.Tags {
		clean, err := cleanText("tags", t, maxTagLen+1, false) // +1: a leading # is still attached here
		if err != nil {
			return err
		}
		if tag := NormalizeTag(clean); tag != "" {
			if utf8.RuneCountInString(tag) > maxTagLen {
				return FieldError("tags", "tags are at most %d characters", maxTagLen)
			}
			tags = appendUnique(tags, tag)
		}
	}
	if len(tags) > maxTags {
		return FieldError("tags", "at most %d tags", maxTags)
	}
	r.Tags = tags
	note, err := cleanText("note", r.Note, maxNote, true)
	if err != nil {
		return err
	}
	r.Note = note
	if len(r.Tags) == 0 && r.Note == "" {
		return Bilingual(EINVALID, "请写上 #标签 或一句说明", "Add some #tags or a note")
	}
	return nil
}

// splitTags reads a word that starts with # or ＃ as one or more tags ("#a#b" is two).
func splitTags(w string) ([]string, bool) {
	if !strings.HasPrefix(w, "#") && !strings.HasPrefix(w, "＃") {
		return nil, false
	}
	parts := strings.FieldsFunc(w, func(c rune) bool { return c == '#' || c == '＃' })
	return parts, true
}

// cutKey splits "key:value", "key：value" or "key=value" when key is one Baton knows.
func cutKey(w string) (key, value string, ok bool) {
	i := strings.IndexAny(w, ":=")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(w[:i])
	switch key {
	case "campaign", "活动", "source", "来源", "渠道", "lead", "线索", "company", "公司", "customer", "客户",
		"phone", "手机", "电话", "email", "邮箱":
		return key, w[i+1:], true
	}
	return "", "", false
}

func firstWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

type quotedWord struct{ word, rest string }

// quoted reads a target in quotes ("ACME Corp", “ACME Corp”, 「ACME Corp」) so company names may have spaces.
func quoted(s string) (quotedWord, bool) {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"「", "」"}, {"『", "』"}} {
		body, ok := strings.CutPrefix(s, q[0])
		if !ok {
			continue
		}
		end := strings.Index(body, q[1])
		if end < 0 {
			return quotedWord{}, false
		}
		return quotedWord{word: strings.TrimSpace(body[:end]), rest: strings.TrimSpace(body[end+len(q[1]):])}, true
	}
	return quotedWord{}, false
}

// looksLikePhone reports a word made of digits and phone punctuation with at least seven digits.
func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 7
}
