package crm

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed for phone numbers written without a country code.
const DefaultRegion = "CN"

// NormalizePhone parses a phone number as people type it (spaces, dashes, full-width digits, +86 or not)
// and returns it in E.164. Numbers that cannot be dialled are refused with an EINVALID error on field "phone".
func NormalizePhone(raw string) (string, error) {
	s := strings.TrimSpace(toHalfWidth(raw))
	if s == "" {
		return "", invalidField("phone", "手机号为空", "phone is empty")
	}
	if utf8.RuneCountInString(s) > 32 {
		return "", invalidField("phone", "手机号不能超过 32 个字符", "phone is longer than 32 characters")
	}
	num, err := phonenumbers.Parse(s, DefaultRegion)
	if err != nil {
		return "", invalidField("phone", "手机号不是有效的号码", "phone is not a valid number")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalidField("phone", "手机号不是有效的号码", "phone is not a valid number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// NormalizeEmail checks an address's syntax and returns it trimmed and lower-cased.
func NormalizeEmail(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(toHalfWidth(raw)))
	if s == "" {
		return "", invalidField("email", "邮箱为空", "email is empty")
	}
	if len(s) > 254 {
		return "", invalidField("email", "邮箱不能超过 254 个字符", "email is longer than 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", invalidField("email", "邮箱地址无效", "email is not a valid address")
	}
	return s, nil
}

// MaskPhone hides the middle of a phone number so it can be shown in a group: a Chinese mobile
// +8613812345678 becomes 138****5678; other numbers keep their country code, first three and last four digits.
func MaskPhone(e164 string) string {
	d := strings.TrimPrefix(e164, "+")
	if d == "" {
		return ""
	}
	if strings.HasPrefix(d, "86") && len(d) == 13 {
		d = d[2:]
		return d[:3] + "****" + d[len(d)-4:]
	}
	if len(d) <= 7 {
		return strings.Repeat("*", len(d))
	}
	return "+" + d[:3] + "****" + d[len(d)-4:]
}

// MaskEmail keeps the first character of the local part and the domain: z***@example.com.
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(email)
	return string(first) + "***" + email[at:]
}

// toHalfWidth maps full-width ASCII variants (common in Chinese input methods) to ASCII.
func toHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}
