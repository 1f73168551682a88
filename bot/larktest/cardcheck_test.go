package larktest

import (
	"strings"
	"testing"
)

func TestCheckCard(t *testing.T) {
	form := func(children ...any) map[string]any {
		return map[string]any{"tag": "form", "name": "f", "elements": children}
	}
	panel := func(children ...any) map[string]any {
		return map[string]any{"tag": "collapsible_panel", "elements": children}
	}
	deep := map[string]any{"tag": "markdown", "content": "x"}
	for range 6 {
		deep = map[string]any{"tag": "column_set", "columns": []any{map[string]any{"tag": "column", "elements": []any{deep}}}}
	}
	many := make([]map[string]any, 201)
	for i := range many {
		many[i] = map[string]any{"tag": "markdown", "content": "x"}
	}
	tests := []struct {
		name  string
		card  map[string]any
		patch bool
		want  string // substring of the error; "" for a valid card
	}{
		{"valid", card(button("b1", "claim")), true, ""},
		{"template reference", map[string]any{"type": "template", "data": map[string]any{"template_id": "x"}}, false, ""},
		{"no schema", map[string]any{"body": map[string]any{"elements": []any{}}}, false, `"schema"`},
		{"unknown property", func() map[string]any { c := card(); c["elements"] = []any{}; return c }(), false, "unknown card property"},
		{"update_multi false", func() map[string]any { c := card(); c["config"] = map[string]any{"update_multi": false}; return c }(), false, "update_multi"},
		{"patch needs update_multi", func() map[string]any { c := card(); delete(c, "config"); return c }(), true, "update_multi"},
		{"send without update_multi", func() map[string]any { c := card(); delete(c, "config"); return c }(), false, ""},
		{"elements not an array", map[string]any{"schema": "2.0", "body": map[string]any{"elements": map[string]any{}}}, false, "body.elements"},
		{"string behavior value", card(map[string]any{"tag": "button", "behaviors": []any{map[string]any{"type": "callback", "value": "claim"}}}), false, "must be an object"},
		{"string button value", card(map[string]any{"tag": "button", "value": "claim"}), false, "must be an object"},
		{"open_url behavior needs no value", card(map[string]any{"tag": "button", "behaviors": []any{map[string]any{"type": "open_url", "default_url": "https://x"}}}), false, ""},
		{"duplicate element_id", card(button("b1", "a"), button("b1", "b")), false, "not unique"},
		{"bad element_id", card(button("1abc", "a")), false, "element_id"},
		{"long element_id", card(button("abcdefghijklmnopqrstu", "a")), false, "element_id"},
		{"duplicate name", card(form(map[string]any{"tag": "input", "name": "n"}, map[string]any{"tag": "input", "name": "n"})), false, "not unique"},
		{"form in panel", card(panel(form())), false, "card root"},
		{"form in form", card(form(map[string]any{"tag": "form", "name": "g", "elements": []any{}})), false, "card root"},
		{"table in form", card(form(map[string]any{"tag": "table"})), false, "cannot contain table"},
		{"nesting too deep", card(deep), false, "nest more than"},
		{"too many components", card(many...), false, "more than 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCard(tt.card, tt.patch)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
