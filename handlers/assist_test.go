package handlers

import "testing"

// TestIsFreeText: only multi-line text without key=value words is read as pasted text; the one-line
// entry and lead numbers keep their meaning.
func TestIsFreeText(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]bool{
		"张三 13800138000 想了解企业版":     false,
		"123":                       false,
		"#123":                      false,
		"name=张三 phone=13800138000": false,
		"王磊 10:32\n你好，我是华东机械的王磊":                   true,
		"John Smith\nAcme Ltd.\n+86 138 0013 8000": true,
		"name=张三\nphone=13800138000":               false,
		"张三 13800138000\n":                         false,
	} {
		if got := IsFreeText(args); got != want {
			t.Errorf("IsFreeText(%q) = %v, want %v", args, got, want)
		}
	}
}
