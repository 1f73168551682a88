package larktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrCardExpired is returned by Click and PrepareClick for a card past its interaction window: JSON 2.0 cards
// can be interacted with (and updated) for 14 days, JSON 1.0 cards for 30 days
// (https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-breaking-changes-release-notes,
// "卡片交互有效期变更"). Lark does not document what the client shows then, nor any code; the emulator
// models the documented part: no callback reaches the bot.
var ErrCardExpired = errors.New("the card is past its interaction window (14 days for JSON 2.0 cards); the click never reaches the bot")

// interactWindow is how long after sending a card can be clicked.
func interactWindow(content string) time.Duration {
	if card, err := parseObject(content); err == nil && card["schema"] == "2.0" {
		return patchWindow * time.Second
	}
	return 30 * 24 * time.Hour
}

// ClickResult is what happened when a simulated user clicked: the delivery, the toast shown, and whether the
// card the user sees changed. Response is the bot's decoded callback answer (nil for "null" or empty).
type ClickResult struct {
	Delivery
	Toast       *Toast         `json:"toast,omitempty"`
	CardUpdated bool           `json:"card_updated"`
	Response    map[string]any `json:"response,omitempty"`
}

// Toast is the toast a callback response asks Lark to show.
type Toast struct {
	Type    string            `json:"type"`
	Content string            `json:"content"`
	I18n    map[string]string `json:"i18n,omitempty"`
}

// ClickOption sets what the user entered before clicking.
type ClickOption func(*click)

type click struct {
	formValue  map[string]any
	option     *string
	options    []string
	inputValue *string
	timezone   string
}

// FormValue fills form fields by name before a form's submit button is clicked.
func FormValue(v map[string]any) ClickOption { return func(c *click) { c.formValue = v } }

// Option is the value picked in a single select, person picker, overflow menu or date/time picker.
func Option(v string) ClickOption { return func(c *click) { c.option = &v } }

// Options are the values picked in a multi select.
func Options(v []string) ClickOption { return func(c *click) { c.options = slices.Clone(v) } }

// InputValue is the text submitted from a standalone input.
func InputValue(v string) ClickOption { return func(c *click) { c.inputValue = &v } }

// Timezone overrides the client time zone Lark reports with pickers and forms (default Asia/Shanghai).
func Timezone(tz string) ClickOption { return func(c *click) { c.timezone = tz } }

// Click simulates a user interacting with an element of the message's current card. target is the element's
// element_id, its name, or the "op" of its callback value. The card.action.trigger callback is built the way
// Lark builds it and delivered (webhook or websocket) with a 3 s deadline. A returned raw card replaces the
// stored card, and a returned toast is reported. The error is non-nil when the click could not happen (no such
// element, a required form field empty) or the bot's answer failed or was rejected.
func (s *Server) Click(ctx context.Context, messageID, target, operatorOpenID string, opts ...ClickOption) (ClickResult, error) {
	p, err := s.PrepareClick(messageID, target, operatorOpenID, opts...)
	if err != nil {
		return ClickResult{Delivery: Delivery{Err: err}}, err
	}
	return p.Send(ctx)
}

// PreparedClick is a click built, signed and encrypted ahead of its delivery: see PrepareClick.
type PreparedClick struct {
	s                        *Server
	messageID, target, token string
	eventID                  string
	ev                       sentEvent
}

// PrepareClick builds a click the way Click does, without delivering it; Send delivers it. A load test
// prepares many clicks and sends them at once, so the callbacks reach the bot together and the emulator's
// signing and encryption (work Lark does on its own servers) is not on the clock.
func (s *Server) PrepareClick(messageID, target, operatorOpenID string, opts ...ClickOption) (*PreparedClick, error) {
	c := click{timezone: "Asia/Shanghai"}
	for _, o := range opts {
		o(&c)
	}
	event, token, err := s.clickEvent(messageID, target, operatorOpenID, &c)
	if err != nil {
		return nil, err
	}
	eventID, ev, err := s.prepareEvent("card.action.trigger", event)
	if err != nil {
		return nil, err
	}
	return &PreparedClick{s: s, messageID: messageID, target: target, token: token, eventID: eventID, ev: ev}, nil
}

// Send delivers the click and applies the bot's answer, as Click does.
func (p *PreparedClick) Send(ctx context.Context) (ClickResult, error) {
	s, messageID, target, token := p.s, p.messageID, p.target, p.token
	d := s.deliver(ctx, p.eventID, p.ev)
	res := ClickResult{Delivery: d}
	if d.Err != nil {
		return res, fmt.Errorf("click %s on %s: %w (the user sees error 200340)", target, messageID, d.Err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	s.st.cardTokens[token].responded = true
	body := bytes.TrimSpace(d.Body)
	if len(body) == 0 || string(body) == "null" {
		return res, nil
	}
	if err := json.Unmarshal(body, &res.Response); err != nil {
		res.Err = fmt.Errorf("click %s: callback answer is not a JSON object: %w", target, err)
		return res, res.Err
	}
	if t, isObj := res.Response["toast"].(map[string]any); isObj {
		res.Toast = &Toast{}
		res.Toast.Type, _ = t["type"].(string)
		res.Toast.Content, _ = t["content"].(string)
		if i18n, isObj := t["i18n"].(map[string]any); isObj {
			res.Toast.I18n = map[string]string{}
			for k, v := range i18n {
				res.Toast.I18n[k], _ = v.(string)
			}
		}
	}
	card, isObj := res.Response["card"].(map[string]any)
	if !isObj || card["type"] != "raw" {
		return res, nil // template answers are recorded in Response but cannot be rendered here
	}
	data, isObj := card["data"].(map[string]any)
	if !isObj {
		res.Err = fmt.Errorf("click %s: card.data must be a card object", target)
		return res, res.Err
	}
	raw, err := json.Marshal(data)
	if err == nil && len(body) > cardLimitBytes {
		err = fmt.Errorf("the callback answer is larger than 30 KB")
	}
	if err == nil {
		err = checkCard(data, false)
	}
	if err != nil {
		// Lark applies the same card rules to a card returned in the callback answer; the client then shows an
		// error instead of the card (code 200673 reported for a refused raw card in
		// github.com/baileyh8/hermes-feishu-streaming-card/issues/227; Lark's error-code page lists 200673 as
		// an invalid callback response).
		res.Err = fmt.Errorf("click %s: returned card rejected (the user sees error %d): %s", target, CodeCallbackCardInvalid, cardInvalid(err))
		return res, res.Err
	}
	s.updateCardLocked(s.st.msgs[messageID], string(raw))
	res.CardUpdated = true
	return res, nil
}

// clickEvent finds the target in the stored card and builds the card.action.trigger event.
func (s *Server) clickEvent(messageID, target, operatorOpenID string, c *click) (map[string]any, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.msgs[messageID]
	if m == nil || m.MsgType != "interactive" {
		return nil, "", fmt.Errorf("click: %s is not a card message", messageID)
	}
	if m.Recalled {
		return nil, "", fmt.Errorf("click: message %s was recalled", messageID)
	}
	if window := interactWindow(m.Content); s.st.now().Sub(m.CreatedAt) > window {
		return nil, "", fmt.Errorf("click on %s (sent %s): %w", messageID, m.CreatedAt.Format(time.RFC3339), ErrCardExpired)
	}
	u := s.st.userByID[operatorOpenID]
	chat := s.st.chatByID[m.ChatID]
	if u == nil || !slices.Contains(chat.Members, operatorOpenID) {
		return nil, "", fmt.Errorf("click: user %s cannot see chat %s", operatorOpenID, m.ChatID)
	}
	card, err := parseObject(m.Content)
	if err != nil || isCardReference(card) {
		return nil, "", fmt.Errorf("click: message %s holds no renderable card", messageID)
	}
	found, err := findTarget(card, target)
	if err != nil {
		return nil, "", fmt.Errorf("click on %s: %w", messageID, err)
	}
	action, err := buildAction(found, c)
	if err != nil {
		return nil, "", fmt.Errorf("click %s on %s: %w", target, messageID, err)
	}
	token := newCardToken()
	s.st.cardTokens[token] = &cardToken{msgID: m.ID, issued: s.st.now()}
	return map[string]any{
		"operator": map[string]any{"tenant_key": s.cfg.TenantKey, "user_id": u.UserID, "open_id": u.OpenID, "union_id": u.UnionID},
		"token":    token,
		"action":   action,
		"host":     "im_message",
		"context":  map[string]any{"open_message_id": m.ID, "open_chat_id": m.ChatID},
	}, token, nil
}

var interactiveTags = map[string]bool{
	"button": true, "select_static": true, "multi_select_static": true, "select_person": true,
	"multi_select_person": true, "input": true, "checker": true, "date_picker": true, "picker_time": true,
	"picker_datetime": true, "overflow": true, "select_img": true,
}

// located is an interactive element and the form that contains it, if any.
type located struct {
	el   map[string]any
	form map[string]any
}

func findTarget(card map[string]any, target string) (located, error) {
	var all, hits []located
	body, _ := card["body"].(map[string]any)
	elems, _ := body["elements"].([]any)
	walkInteractive(elems, nil, func(l located) { all = append(all, l) })
	for _, l := range all {
		if l.el["element_id"] == target || l.el["name"] == target || callbackValue(l.el)["op"] == target {
			hits = append(hits, l)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		var names []string
		for _, l := range all {
			names = append(names, describe(l.el))
		}
		return located{}, fmt.Errorf("no element %q in the card; interactive elements: %s", target, strings.Join(names, ", "))
	default:
		return located{}, fmt.Errorf("target %q matches %d elements; use an element_id", target, len(hits))
	}
}

func describe(el map[string]any) string {
	parts := []string{fmt.Sprint(el["tag"])}
	for _, k := range []string{"element_id", "name"} {
		if v, has := el[k]; has {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if op, has := callbackValue(el)["op"]; has {
		parts = append(parts, fmt.Sprintf("op=%v", op))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func walkInteractive(elems []any, form map[string]any, visit func(located)) {
	for _, e := range elems {
		el, isObj := e.(map[string]any)
		if !isObj {
			continue
		}
		tag, _ := el["tag"].(string)
		if interactiveTags[tag] {
			visit(located{el: el, form: form})
		}
		f := form
		if tag == "form" {
			f = el
		}
		for _, key := range []string{"elements", "columns"} {
			if children, isArr := el[key].([]any); isArr {
				walkInteractive(children, f, visit)
			}
		}
	}
}

// callbackValue is the object a click sends back: a callback behavior's value, or a 1.0-style button value.
func callbackValue(el map[string]any) map[string]any {
	if bs, isArr := el["behaviors"].([]any); isArr {
		for _, b := range bs {
			if bo, isObj := b.(map[string]any); isObj && bo["type"] == "callback" {
				v, _ := bo["value"].(map[string]any)
				return v
			}
		}
	}
	v, _ := el["value"].(map[string]any)
	return v
}
