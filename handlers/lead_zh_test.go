package handlers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/baton-crm/baton/cards"
)

// localeTexts collects what a card shows in one locale (zh_cn or en_us).
func localeTexts(node any, locale string) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if i18n, ok := n["i18n_content"].(map[string]any); ok {
			if s, ok := i18n[locale].(string); ok {
				out = append(out, s)
			}
		}
		for _, v := range n {
			out = append(out, localeTexts(v, locale)...)
		}
	case []any:
		for _, v := range n {
			out = append(out, localeTexts(v, locale)...)
		}
	}
	return out
}

// TestLeadErrorsInTheReadersLanguage: the /lead validation errors read in Chinese in the zh locale (no
// English sentence in it) and in English in the en locale; a number that is not a phone number is called
// invalid, not missing.
func TestLeadErrorsInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	h, _, _ := insightHandler()
	tests := []struct {
		text   string
		zh, en string
	}{
		{"/lead 王五 12345", "手机号不是有效的号码", "phone is not a valid number"},
		{"/lead 王五 想要报价", "请填写手机号或邮箱", "phone or email is required"},
		{"/lead 王五 13800138000 email=a@b", "邮箱地址无效", "email is not a valid address"},
		{"/线索 name=" + strings.Repeat("长", 101) + " 13800138000", "姓名不能超过 100 个字符", "name is longer than 100 characters"},
	}
	for _, tt := range tests {
		var card any
		if err := json.Unmarshal([]byte(say(h, "oc_sales", tt.text)), &card); err != nil {
			t.Fatal(err)
		}
		zh, en := strings.Join(localeTexts(card, "zh_cn"), "\n"), strings.Join(localeTexts(card, "en_us"), "\n")
		if !strings.Contains(zh, tt.zh) || !strings.Contains(en, tt.en) {
			t.Errorf("%s: want zh %q and en %q\nzh: %s\nen: %s", tt.text, tt.zh, tt.en, zh, en)
		}
		for _, english := range []string{"phone", "email", "required", "valid", "longer"} {
			if strings.Contains(zh, english) {
				t.Errorf("%s: the zh card contains English %q:\n%s", tt.text, english, zh)
			}
		}
	}
}

// TestLeadFormErrorsInTheReadersLanguage: the /lead form's refusals come as a toast whose Chinese text is
// Chinese.
func TestLeadFormErrorsInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	h, _, _ := insightHandler()
	value := cards.Action{Op: cards.OpLeadForm}.Value()
	for form, want := range map[string][2]string{
		"12345": {"手机号不是有效的号码", "phone is not a valid number"},
		"":      {"请填写手机号或邮箱", "phone or email is required"},
	} {
		r := click(h, "oc_sales", value, map[string]any{"name": "王五", "phone": form})
		if r.Toast == nil || r.Toast.Type != "error" || r.Toast.ZH != want[0] || r.Toast.EN != want[1] {
			t.Errorf("form with phone %q: toast %+v; want %q / %q", form, r.Toast, want[0], want[1])
		}
	}
}
