package crm

import (
	"encoding/json"
	"fmt"
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
	// Fields are custom field values by key (baton.yaml fields:), checked against the configuration at
	// intake (NormalizeFields).
	Fields map[string]any `json:"fields"`
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
		return nil, invalidField("phone", "请填写手机号或邮箱", "phone or email is required")
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
		return nil, invalidField("tags", fmt.Sprintf("标签最多 %d 个", maxTags), fmt.Sprintf("at most %d tags", maxTags))
	}
	for i, t := range in.Tags {
		tag, err := cleanText("tags", t, maxTagLen, false)
		if err != nil {
			return nil, err
		}
		if tag = NormalizeTag(tag); tag == "" {
			return nil, invalidField("tags", fmt.Sprintf("第 %d 个标签是空的", i+1), fmt.Sprintf("tag %d is empty", i))
		}
		nl.Tags = appendUnique(nl.Tags, tag)
	}
	if len(in.UTM) > maxUTMKeys {
		return nil, invalidField("utm", fmt.Sprintf("utm 最多 %d 项", maxUTMKeys), fmt.Sprintf("at most %d utm keys", maxUTMKeys))
	}
	for k, v := range in.UTM {
		key, err := cleanText("utm", k, maxShort, false)
		if err != nil || key == "" {
			return nil, invalidField("utm", "utm 的键须为简短的纯文本", "utm keys must be short plain text")
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
		if err := checkAttributes("attributes", in.Attributes); err != nil {
			return nil, err
		}
		b, err := json.Marshal(in.Attributes)
		if err != nil || len(b) > maxAttrBytes {
			return nil, invalidField("attributes", fmt.Sprintf("attributes 须为小于 %d 字节的 JSON 对象", maxAttrBytes),
				fmt.Sprintf("attributes must be a JSON object under %d bytes", maxAttrBytes))
		}
		nl.Attributes = in.Attributes
	}
	if len(in.Fields) > 0 {
		if err := checkAttributes("fields", in.Fields); err != nil {
			return nil, err
		}
		nl.Fields = in.Fields
	}
	return nl, nil
}

// checkAttributes refuses NUL characters anywhere in attributes, keys included: PostgreSQL's jsonb cannot
// store \u0000, and a value that silently loses one is not the value sent.
func checkAttributes(path string, v any) error {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return invalidField(path, path+" 含有 NUL 字符（\\u0000）", path+" contains a NUL character (\\u0000)")
		}
	case map[string]any:
		for k, child := range v {
			if strings.ContainsRune(k, 0) {
				return invalidField(path, path+" 的键含有 NUL 字符（\\u0000）", path+" has a key with a NUL character (\\u0000)")
			}
			if err := checkAttributes(path+"."+k, child); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range v {
			if err := checkAttributes(fmt.Sprintf("%s[%d]", path, i), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// cleanText trims s and refuses text that is too long, not UTF-8, has control characters (newlines and
// tabs are allowed where multi is set) or bidirectional overrides and isolates, which make a card show
// text in another order than it is stored ("Trojan Source", CVE-2021-42574).
func cleanText(field, s string, max int, multi bool) (string, error) {
	s = strings.TrimSpace(s)
	label := fieldLabel(field)
	if !utf8.ValidString(s) {
		return "", invalidField(field, label+"不是有效的 UTF-8 文本", field+" is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalidField(field, fmt.Sprintf("%s不能超过 %d 个字符", label, max), fmt.Sprintf("%s is longer than %d characters", field, max))
	}
	for _, r := range s {
		if multi && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", invalidField(field, label+"含有控制字符", field+" contains control characters")
		}
		if isBidiControl(r) {
			return "", invalidField(field, label+"含有改变文字方向的控制字符", field+" contains text direction controls (U+202A–U+202E, U+2066–U+2069)")
		}
	}
	return s, nil
}

// isBidiControl reports the embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// fieldLabel names a lead field in Chinese for validation messages.
func fieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

var fieldLabels = map[string]string{
	"external_id": "外部编号", "name": "姓名", "company": "公司", "title": "职位", "region": "地区",
	"campaign": "活动", "note": "备注", "pool": "线索池", "tags": "标签", "utm": "utm", "phone": "手机号", "email": "邮箱",
}

// invalidField returns an EINVALID error naming field, in Chinese and English.
func invalidField(field, zh, en string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: en, ZH: zh}
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
