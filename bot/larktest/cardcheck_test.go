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
		// Component schemas.
		{"unknown component property", card(map[string]any{"tag": "markdown", "content": "x", "colour": "red"}), false, `unknown property "colour"`},
		{"unknown tag", card(map[string]any{"tag": "note"}), false, `unknown component tag "note"`},
		{"unmodelled tag is accepted", card(map[string]any{"tag": "table", "columns_x": 1}), false, ""},
		{"button type", card(withProp(button("b1", "a"), "type", "primary_outline")), false, "not one of"},
		{"button size", card(withProp(button("b1", "a"), "size", "huge")), false, "not one of"},
		{"button width too narrow", card(withProp(button("b1", "a"), "width", "80px")), false, "width"},
		{"button width in px", card(withProp(button("b1", "a"), "width", "120px")), false, ""},
		{"input max_length 1000", card(form(input("n", 1000))), false, ""},
		{"input max_length 1001", card(form(input("n", 1001))), false, "out of range [1,1000]"},
		{"input max_length 0", card(form(input("n", 0))), false, "out of range [1,1000]"},
		{"input max_length not an integer", card(form(input("n", 10.5))), false, "must be an integer"},
		{"input type", card(form(withProp(input("n", 10), "input_type", "email"))), false, "not one of"},
		{"form field without name", card(form(map[string]any{"tag": "input"})), false, "required for a input inside a form"},
		{"form without name", card(map[string]any{"tag": "form", "elements": []any{}}), false, "name is required"},
		{"header template", withHeader(card(), map[string]any{"title": plainText("t"), "template": "pink"}), false, "template"},
		{"header without title", withHeader(card(), map[string]any{"template": "blue"}), false, "header.title is required"},
		{"text tag colour", withHeader(card(), map[string]any{"title": plainText("t"), "text_tag_list": []any{
			map[string]any{"tag": "text_tag", "text": plainText("Hot"), "color": "pink"}}}), false, "color"},
		{"text object tag", card(map[string]any{"tag": "div", "text": map[string]any{"tag": "rich", "content": "x"}}), false, "not one of"},
		{"unknown text_size is shown as normal, not refused", card(map[string]any{"tag": "div", "text": map[string]any{"tag": "plain_text", "content": "x", "text_size": "giant"}}), false, ""},
		{"unknown locale", card(map[string]any{"tag": "markdown", "content": "x", "i18n_content": map[string]any{"xx_yy": "x"}}), false, "unknown locale"},
		{"markdown needs content", card(map[string]any{"tag": "markdown"}), false, "content is required"},
		{"column weight", card(columns(map[string]any{"tag": "column", "width": "weighted", "weight": 6})), false, "out of range [1,5]"},
		{"column outside a column_set", card(map[string]any{"tag": "column", "elements": []any{}}), false, "column_set"},
		{"column_set holds only columns", card(columns(map[string]any{"tag": "markdown", "content": "x"})), false, "only columns"},
		{"flex_mode", card(withProp(columns(), "flex_mode", "wrap")), false, "not one of"},
		{"chart aspect ratio", card(map[string]any{"tag": "chart", "chart_spec": map[string]any{}, "aspect_ratio": "3:2"}), false, "not one of"},
		{"chart height", card(map[string]any{"tag": "chart", "chart_spec": map[string]any{}, "height": "1200px"}), false, "height"},
		{"date format", card(form(map[string]any{"tag": "date_picker", "name": "d", "initial_date": "2024/05/01"})), false, "yyyy-MM-dd"},
		{"duplicate option values", card(form(map[string]any{"tag": "select_static", "name": "s", "options": []any{
			map[string]any{"text": plainText("A"), "value": "a"}, map[string]any{"text": plainText("B"), "value": "a"}}})), false, "not unique in the component"},
		{"margin range", card(map[string]any{"tag": "hr", "margin": "120px"}), false, "margin"},
		{"unknown config property", func() map[string]any {
			c := card()
			c["config"] = map[string]any{"update_multi": true, "wide_screen_mode": true}
			return c
		}(), false, `unknown property "wide_screen_mode"`},
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

func withProp(el map[string]any, k string, v any) map[string]any {
	el[k] = v
	return el
}

func withHeader(c map[string]any, h map[string]any) map[string]any {
	c["header"] = h
	return c
}

func plainText(s string) map[string]any { return map[string]any{"tag": "plain_text", "content": s} }

func input(name string, maxLen float64) map[string]any {
	return map[string]any{"tag": "input", "name": name, "max_length": maxLen}
}

func columns(cols ...any) map[string]any {
	return map[string]any{"tag": "column_set", "columns": cols}
}

// TestCardRefusalsUseLarksCode checks the wire answer: 230099 with Lark's message for a refused card, and
// 230025 when the request body, not the card, passes 30 KB.
func TestCardRefusalsUseLarksCode(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	c := newSDK(t, s)

	bad := c.send(t, group, "interactive", mustJSON(t, card(input("note", 2000))), "")
	if bad.Code != CodeCardInvalid || !strings.HasPrefix(bad.Msg, "Failed to create card content, ext=ErrCode: ") ||
		!strings.Contains(bad.Msg, "max_length 2000 is out of range [1,1000]") {
		t.Fatalf("invalid card: code %d msg %q", bad.Code, bad.Msg)
	}

	// A quote takes 2 bytes in the card and 4 in the request body, where the card is a JSON string: this
	// card is about 17 KB, its request body about 33 KB.
	quotes := strings.Repeat(`"`, 8*1024)
	big := mustJSON(t, card(map[string]any{"tag": "markdown", "content": quotes}))
	if len(big) > cardLimitBytes {
		t.Fatalf("test card is %d bytes, want it under the limit", len(big))
	}
	if r := c.send(t, group, "interactive", big, ""); r.Code != CodeContentTooLong {
		t.Fatalf("card whose body passes 30 KB: code %d msg %q", r.Code, r.Msg)
	}
}
