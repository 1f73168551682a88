package crm

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// LeadInput is a lead as the API, the chat form and CSV import receive it, before validation.
// Unknown JSON fields are rejected (see DecodeLeadInput): integrations put extra data under Attributes.
type LeadInput struct {
	ExternalID string            `json:"external_id"`
	Name       string            `json:"name"`
	Phone      string            `json:"phone"`
	Email      string            `json:"email"`
	Company    string            `json:"company"`
	Title      string            `json:"title"`
	Region     string            `json:"region"`
	Campaign   string            `json:"campaign"`
	UTM        map[string]string `json:"utm"`
	Tags       []string          `json:"tags"`
	Note       string            `json:"note"`
	Pool       string            `json:"pool"`
	Attributes map[string]any    `json:"attributes"`
	// Author is the open_id of the person who typed the lead in chat. It is never read from JSON: only
	// Baton's own chat handlers, which know who is talking, set it.
	Author string `json:"-"`
}

// Field limits, in characters.
const (
	maxShort      = 100
	maxCompany    = 200
	maxExternalID = 128
	maxCampaign   = 128
	maxNote       = 2000
	maxTags       = 20
	maxTagLen     = 32
	maxUTMKeys    = 10
	maxUTMValue   = 256
	maxAttrBytes  = 8 << 10
)

// Normalize validates the input and returns it as a NewLead for source at time at (Pool is not set yet).
// The first problem found is returned as an EINVALID error naming the JSON field.
func (in *LeadInput) Normalize(source string, at time.Time) (*NewLead, error) {
	nl := &NewLead{Source: source, At: at, Author: in.Author}
	var err error
	text := []struct {
		field string
		val   string
		max   int
		dst   *string
		multi bool
	}{
		{"external_id", in.ExternalID, maxExternalID, &nl.ExternalID, false},
		{"name", in.Name, maxShort, &nl.Name, false},
		{"company", in.Company, maxCompany, &nl.Company, false},
		{"title", in.Title, maxShort, &nl.Title, false},
		{"region", in.Region, maxShort, &nl.Region, false},
		{"campaign", in.Campaign, maxCampaign, &nl.Campaign, false},
		{"note", in.Note, maxNote, &nl.Note, true},
		{"pool", in.Pool, maxShort, &nl.Pool, false},
	}
	for _, f := range text {
		if *f.dst, err = cleanText(f.field, f.val, f.max, f.multi); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(in.Phone) == "" && strings.TrimSpace(in.Email) == "" {
		return nil, FieldError("phone", "phone or email is required")
	}
	if strings.TrimSpace(in.Phone) != "" {
		if nl.Phone, err = NormalizePhone(in.Phone); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(in.Email) != "" {
		if nl.Email, err = NormalizeEmail(in.Email); err != nil {
			return nil, err
		}
	}
	if len(in.Tags) > maxTags {
		return nil, FieldError("tags", "at most %d tags", maxTags)
	}
	for i, t := range in.Tags {
		tag, err := cleanText("tags", t, maxTagLen, false)
		if err != nil {
			return nil, err
		}
		if tag = NormalizeTag(tag); tag == "" {
			return nil, FieldError("tags", "tag %d is empty", i)
		}
		nl.Tags = appendUnique(nl.Tags, tag)
	}
	if len(in.UTM) > maxUTMKeys {
		return nil, FieldError("utm", "at most %d utm keys", maxUTMKeys)
	}
	for k, v := range in.UTM {
		key, err := cleanText("utm", k, maxShort, false)
		if err != nil || key == "" {
			return nil, FieldError("utm", "utm keys must be short plain text")
		}
		val, err := cleanText("utm", v, maxUTMValue, false)
		if err != nil {
			return nil, err
		}
		if nl.UTM == nil {
			nl.UTM = make(map[string]string, len(in.UTM))
		}
		nl.UTM[key] = val
	}
	if len(in.Attributes) > 0 {
		b, err := json.Marshal(in.Attributes)
		if err != nil || len(b) > maxAttrBytes {
			return nil, FieldError("attributes", "attributes must be a JSON object under %d bytes", maxAttrBytes)
		}
		nl.Attributes = in.Attributes
	}
	return nl, nil
}

// cleanText trims s and refuses text that is too long, not UTF-8, or has control characters (newlines and
// tabs are allowed where multi is set).
func cleanText(field, s string, max int, multi bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", FieldError(field, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", FieldError(field, "%s is longer than %d characters", field, max)
	}
	for _, r := range s {
		if multi && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", FieldError(field, "%s contains control characters", field)
		}
	}
	return s, nil
}

// NormalizeTag folds a tag as ops type it: full-width characters to ASCII, a leading # or ＃ dropped,
// letters lower-cased, inner spaces removed.
func NormalizeTag(t string) string {
	t = toHalfWidth(strings.TrimSpace(t))
	t = strings.TrimLeft(t, "#")
	t = strings.ToLower(strings.Join(strings.Fields(t), ""))
	return t
}

func appendUnique(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
