package larktest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
)

func formCard() map[string]any {
	form := map[string]any{"tag": "form", "name": "insight_form", "elements": []any{
		map[string]any{"tag": "input", "name": "note", "required": true},
		map[string]any{"tag": "select_static", "name": "stage", "initial_option": "qualified", "options": []any{
			map[string]any{"text": map[string]any{"tag": "plain_text", "content": "Qualified"}, "value": "qualified"},
			map[string]any{"text": map[string]any{"tag": "plain_text", "content": "Won"}, "value": "won"},
		}},
		map[string]any{"tag": "button", "name": "submit", "form_action_type": "submit",
			"behaviors": []any{map[string]any{"type": "callback", "value": map[string]any{"op": "insight", "lead_id": "42"}}}},
	}}
	return card(button("btn_claim", "claim"), form,
		map[string]any{"tag": "select_person", "name": "owner", "behaviors": []any{map[string]any{"type": "callback", "value": map[string]any{"op": "assign"}}}})
}

func TestClickAppliesReturnedCardAndToast(t *testing.T) {
	s := newServer(t, secure)
	ann, _, group := seed(s)
	b := &fakeBot{answer: func(r *callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse {
		return &callback.CardActionTriggerResponse{
			Toast: &callback.Toast{Type: "success", Content: "claimed", I18nContent: map[string]string{"zh_cn": "已认领"}},
			Card:  &callback.Card{Type: "raw", Data: card(map[string]any{"tag": "markdown", "content": "Owner: " + r.Operator.OpenID})},
		}
	}}
	serveWebhook(t, s, b)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, formCard()), "").Data.MessageId

	res, err := s.Click(ctxT(t), id, "claim", ann)
	if err != nil {
		t.Fatalf("click: %v", err)
	}
	a := b.lastAction(t)
	if a.Action.Tag != "button" || a.Action.Value["op"] != "claim" || a.Action.Value["lead_id"] != "42" ||
		a.Operator.OpenID != ann || a.Context.OpenMessageID != id || a.Context.OpenChatID != group ||
		a.Host != "im_message" || !strings.HasPrefix(a.Token, "c-") {
		t.Fatalf("callback = %+v action %+v", a, a.Action)
	}
	if res.Toast == nil || res.Toast.Type != "success" || res.Toast.Content != "claimed" || res.Toast.I18n["zh_cn"] != "已认领" || !res.CardUpdated {
		t.Fatalf("result = %+v", res)
	}
	m, _ := s.Message(id)
	if m.Updates != 1 || !strings.Contains(m.Content, "Owner: "+ann) {
		t.Fatalf("card not replaced: %+v", m)
	}
	// The button is gone from the new card.
	if _, err := s.Click(ctxT(t), id, "claim", ann); err == nil || !strings.Contains(err.Error(), "no element") {
		t.Fatalf("click on a vanished button: %v", err)
	}
}

func TestClickFormSelectsAndValidation(t *testing.T) {
	s := newServer(t, secure)
	ann, bob, group := seed(s)
	b := &fakeBot{}
	serveWebhook(t, s, b)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, formCard()), "").Data.MessageId

	if _, err := s.Click(ctxT(t), id, "submit", ann); err == nil || !strings.Contains(err.Error(), `"note"`) {
		t.Fatalf("submit with an empty required field: %v", err)
	}
	if _, err := s.Click(ctxT(t), id, "submit", ann, FormValue(map[string]any{"nope": 1})); err == nil {
		t.Fatal("unknown form field accepted")
	}
	if _, err := s.Click(ctxT(t), id, "note", ann); err == nil {
		t.Fatal("a form field called back on its own")
	}
	res, err := s.Click(ctxT(t), id, "insight", ann, FormValue(map[string]any{"note": "budget approved"}))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if res.Response != nil || res.CardUpdated || string(res.Body) != "null" {
		t.Fatalf("a nil answer is the body null: %+v", res)
	}
	a := b.lastAction(t)
	if a.Action.Tag != "button" || a.Action.Name != "submit" || a.Action.Value["op"] != "insight" ||
		a.Action.FormValue["note"] != "budget approved" || a.Action.FormValue["stage"] != "qualified" || a.Action.Timezone == "" {
		t.Fatalf("form action = %+v", a.Action)
	}

	if _, err := s.Click(ctxT(t), id, "assign", ann); err == nil {
		t.Fatal("a person picker clicked without Option")
	}
	if _, err := s.Click(ctxT(t), id, "owner", ann, Option(bob)); err != nil {
		t.Fatal(err)
	}
	if a := b.lastAction(t); a.Action.Tag != "select_person" || a.Action.Option != bob || a.Action.Value["op"] != "assign" {
		t.Fatalf("picker action = %+v", a.Action)
	}
	if _, err := s.Click(ctxT(t), id, "claim", "ou_stranger"); err == nil {
		t.Fatal("a user outside the chat clicked")
	}
}

func TestClickFailures(t *testing.T) {
	s := newServer(t, secure)
	ann, _, group := seed(s)
	b := &fakeBot{answer: func(*callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse {
		bad := card(button("x", "x"))
		bad["config"] = map[string]any{"update_multi": false}
		return &callback.CardActionTriggerResponse{Card: &callback.Card{Type: "raw", Data: bad}}
	}}
	serveWebhook(t, s, b)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, formCard()), "").Data.MessageId
	res, err := s.Click(ctxT(t), id, "claim", ann)
	if err == nil || res.CardUpdated || !strings.Contains(err.Error(), "update_multi") {
		t.Fatalf("an invalid returned card: %v %+v", err, res)
	}

	s.SetWebhook("http://127.0.0.1:1/unreachable")
	if _, err := s.Click(ctxT(t), id, "claim", ann); err == nil {
		t.Fatal("an unreachable bot did not fail the click")
	}
	if m, _ := s.Message(id); m.Updates != 0 {
		t.Fatalf("card changed after failed clicks: %d updates", m.Updates)
	}
}

func TestDelayedCardUpdate(t *testing.T) {
	s := newServer(t, secure)
	ann, _, group := seed(s)
	b := &fakeBot{answer: func(*callback.CardActionTriggerRequest) *callback.CardActionTriggerResponse {
		return &callback.CardActionTriggerResponse{Toast: &callback.Toast{Type: "info", Content: "working"}}
	}}
	serveWebhook(t, s, b)
	c := newSDK(t, s)
	id := *c.send(t, group, "interactive", mustJSON(t, formCard()), "").Data.MessageId
	if _, err := s.Click(ctxT(t), id, "claim", ann); err != nil {
		t.Fatal(err)
	}
	tok := b.lastAction(t).Token
	update := func(cardBody any) float64 {
		_, m := c.raw(t, http.MethodPost, "/open-apis/interactive/v1/card/update", map[string]any{"token": tok, "card": cardBody})
		return m["code"].(float64)
	}
	if code := update(mustJSON(t, card())); code != CodeFieldValidation {
		t.Fatalf("card as a string: code %v", code)
	}
	if code := update(map[string]any{"elements": []any{}}); code != CodeCardOpenIDEmpty {
		t.Fatalf("1.0 card without open_ids: code %v", code)
	}
	for i := range 2 {
		if code := update(card(map[string]any{"tag": "markdown", "content": "done"})); code != 0 {
			t.Fatalf("use %d: code %v", i+1, code)
		}
	}
	if code := update(card()); code != CodeFieldValidation {
		t.Fatalf("third use of a token: code %v", code)
	}
	if m, _ := s.Message(id); m.Updates != 2 || !strings.Contains(m.Content, "done") {
		t.Fatalf("message after delayed updates = %+v", m)
	}
	tok = "c-unknown"
	if code := update(card()); code != CodeFieldValidation {
		t.Fatalf("unknown token: code %v", code)
	}
}
