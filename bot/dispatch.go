package bot

import (
	"context"
	"encoding/json"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkapplication "github.com/larksuite/oapi-sdk-go/v3/service/application/v6"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/baton-crm/baton/crm"
)

// intake turns the SDK's typed events into Baton's and calls the Handler; webhook and websocket share it.
type intake struct {
	cfg IntakeConfig
}

func (in *intake) dispatcher(verificationToken, encryptKey string) *dispatcher.EventDispatcher {
	d := dispatcher.NewEventDispatcher(verificationToken, encryptKey)
	d.InitConfig(larkevent.WithLogger(sdkLogger{in.cfg.Logger}), larkevent.WithLogLevel(larkcore.LogLevelWarn))
	d.OnP2MessageReceiveV1(in.onMessage).
		OnP2CardActionTrigger(in.onCardAction).
		OnP2BotMenuV6(in.onMenu).
		OnP2FileBitableRecordChangedV1(in.onBaseRecordChanged)
	in.onContact(d)
	for _, t := range ignoredEvents {
		d.OnCustomizedEvent(t, func(ctx context.Context, _ *larkevent.EventReq) error {
			in.cfg.Logger.Debug("lark event ignored", "event_type", t)
			return nil
		})
	}
	return d
}

// handledEvents are the event types Baton acts on.
var handledEvents = []string{"im.message.receive_v1", "card.action.trigger", "application.bot.menu_v6",
	"drive.file.bitable_record_changed_v1"}

// ignoredEvents are acknowledged without action. They are registered so that the SDK does not log an
// error for them, and so that over the websocket, where an unknown type is answered with code 500, Lark
// does not push them again.
var ignoredEvents = []string{
	"im.chat.member.bot.added_v1",
	"im.chat.member.bot.deleted_v1",
	"im.chat.access_event.bot_p2p_chat_entered_v1",
	"im.message.message_read_v1",
	"im.message.reaction.created_v1",
	"im.message.reaction.deleted_v1",
}

// firstSeen reports whether the event is new. Lark redelivers until it gets a 200 in time, and in
// websocket cluster mode a redelivery may reach another replica, hence a shared Deduper.
func (in *intake) firstSeen(ctx context.Context, eventID, kind string) bool {
	if in.cfg.Dedup == nil || eventID == "" {
		return true
	}
	ok, err := in.cfg.Dedup.FirstSeen(ctx, "lark:event:"+eventID, dedupWindow)
	if err != nil {
		// Acting twice is safer than never: handlers re-read state before they act.
		in.cfg.Logger.Warn("lark event dedupe failed", "event_id", eventID, "kind", kind, "error", err)
		return true
	}
	if !ok {
		in.cfg.Logger.Info("lark event repeated, ignored", "event_id", eventID, "kind", kind)
	}
	return ok
}

// onMessage never returns an error: the event is already marked seen, so asking Lark to redeliver would
// only produce ignored repeats. Failures are logged.
func (in *intake) onMessage(ctx context.Context, e *larkim.P2MessageReceiveV1) (err error) {
	defer in.recover("message")
	if e == nil || e.Event == nil || e.Event.Message == nil {
		return nil
	}
	m := messageFrom(e, in.cfg.Bot)
	if e.Event.Sender != nil && deref(e.Event.Sender.SenderType) != "" && deref(e.Event.Sender.SenderType) != "user" {
		return nil // other bots and apps: Baton answers people only
	}
	if !in.firstSeen(ctx, m.EventID, "message") {
		return nil
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = in.cfg.Now()
	}
	start := time.Now()
	if err := in.cfg.Handler.HandleMessage(ctx, m); err != nil {
		in.cfg.Logger.Error("lark message handler failed", "event_id", m.EventID, "message_id", m.MessageID,
			"chat_id", m.ChatID, "error", err)
		return nil
	}
	in.cfg.Logger.Debug("lark message handled", "event_id", m.EventID, "message_id", m.MessageID,
		"duration_ms", time.Since(start).Milliseconds())
	return nil
}

func (in *intake) onCardAction(ctx context.Context, e *callback.CardActionTriggerEvent) (resp *callback.CardActionTriggerResponse, err error) {
	defer func() {
		if v := recover(); v != nil {
			in.cfg.Logger.Error("lark card handler panicked", "panic", v, "stack", string(debug.Stack()))
			resp, err = errorToast(nil), nil
		}
	}()
	if e == nil || e.Event == nil {
		return &callback.CardActionTriggerResponse{}, nil
	}
	a := cardActionFrom(e)
	if !in.firstSeen(ctx, a.EventID, "card_action") {
		return &callback.CardActionTriggerResponse{}, nil
	}
	ctx, cancel := context.WithTimeout(withinCallback(ctx), cardDeadline)
	defer cancel()
	start := time.Now()
	out, herr := in.cfg.Handler.HandleCardAction(ctx, a)
	attrs := []any{"event_id", a.EventID, "message_id", a.MessageID, "tag", a.Tag,
		"duration_ms", time.Since(start).Milliseconds()}
	if herr != nil {
		in.cfg.Logger.Error("lark card handler failed", append(attrs, "error", herr)...)
		return errorToast(herr), nil
	}
	in.cfg.Logger.Debug("lark card action handled", attrs...)
	return cardResponse(out, in.cfg.Logger, attrs), nil
}

func (in *intake) onMenu(ctx context.Context, e *larkapplication.P2BotMenuV6) error {
	defer in.recover("menu")
	if e == nil || e.Event == nil {
		return nil
	}
	ev := MenuEvent{EventID: eventID(e.EventV2Base), EventKey: deref(e.Event.EventKey)}
	if op := e.Event.Operator; op != nil && op.OperatorId != nil {
		ev.OperatorOpenID = deref(op.OperatorId.OpenId)
	}
	if !in.firstSeen(ctx, ev.EventID, "menu") {
		return nil
	}
	if err := in.cfg.Handler.HandleMenu(ctx, ev); err != nil {
		in.cfg.Logger.Error("lark menu handler failed", "event_id", ev.EventID, "event_key", ev.EventKey, "error", err)
	}
	return nil
}

func (in *intake) recover(kind string) {
	if v := recover(); v != nil {
		in.cfg.Logger.Error("lark event handler panicked", "kind", kind, "panic", v, "stack", string(debug.Stack()))
	}
}

func eventID(b *larkevent.EventV2Base) string {
	if b == nil || b.Header == nil {
		return ""
	}
	return b.Header.EventID
}

// errorToast answers a failed click with the error's user-safe text (crm.Error) or a generic sentence.
func errorToast(err error) *callback.CardActionTriggerResponse {
	en, zh := crm.ErrorMessage(err)
	if err == nil {
		en, zh = crm.ErrorMessage(context.DeadlineExceeded) // the generic sentence
	}
	return &callback.CardActionTriggerResponse{Toast: &callback.Toast{
		Type: "error", Content: zh, I18nContent: map[string]string{"zh_cn": zh, "en_us": en},
	}}
}

// cardResponse converts the handler's answer. An empty answer is "{}", not the "null" the SDK would write.
func cardResponse(out *CardResponse, log interface {
	Error(string, ...any)
}, attrs []any) *callback.CardActionTriggerResponse {
	resp := &callback.CardActionTriggerResponse{}
	if out == nil {
		return resp
	}
	if t := out.Toast; t != nil {
		content := t.ZH
		if content == "" {
			content = t.EN
		}
		i18n := map[string]string{}
		if t.ZH != "" {
			i18n["zh_cn"] = t.ZH
		}
		if t.EN != "" {
			i18n["en_us"] = t.EN
		}
		resp.Toast = &callback.Toast{Type: cmpOr(t.Type, "info"), Content: content, I18nContent: i18n}
	}
	if out.Card != nil {
		if !json.Valid(out.Card) {
			log.Error("lark card handler returned invalid card JSON", attrs...)
			return errorToast(nil)
		}
		resp.Card = &callback.Card{Type: "raw", Data: json.RawMessage(out.Card)}
	}
	return resp
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func cardActionFrom(e *callback.CardActionTriggerEvent) CardAction {
	ev := e.Event
	a := CardAction{EventID: eventID(e.EventV2Base), Token: ev.Token}
	if ev.Operator != nil {
		a.OperatorOpenID = ev.Operator.OpenID
	}
	if ev.Context != nil {
		a.MessageID, a.ChatID = ev.Context.OpenMessageID, ev.Context.OpenChatID
	}
	if act := ev.Action; act != nil {
		a.Value, a.Tag, a.Name = act.Value, act.Tag, act.Name
		a.Option, a.Options, a.FormValue = act.Option, act.Options, act.FormValue
		a.InputValue, a.Timezone = act.InputValue, act.Timezone
	}
	return a
}

// messageFrom converts a received message, resolving mentions: Lark writes them as @_user_N placeholders.
func messageFrom(e *larkim.P2MessageReceiveV1, bot *Identity) Message {
	msg := e.Event.Message
	m := Message{
		EventID:     eventID(e.EventV2Base),
		MessageID:   deref(msg.MessageId),
		ChatID:      deref(msg.ChatId),
		ChatType:    deref(msg.ChatType),
		MessageType: deref(msg.MessageType),
	}
	if s := e.Event.Sender; s != nil && s.SenderId != nil {
		m.SenderOpenID = deref(s.SenderId.OpenId)
	}
	if ms, err := strconv.ParseInt(deref(msg.CreateTime), 10, 64); err == nil && ms > 0 {
		m.CreatedAt = time.UnixMilli(ms)
	}
	text := contentText(m.MessageType, deref(msg.Content))
	isBot := bot.isBot
	var keyed []*larkim.MentionEvent
	for _, x := range msg.Mentions { // Lark lists mentions in the order they were written
		if x == nil || deref(x.Key) == "" {
			continue
		}
		keyed = append(keyed, x)
		if isBot(x) {
			m.MentionsBot = true
			continue
		}
		if x.Id != nil && deref(x.Id.OpenId) != "" &&
			!slices.ContainsFunc(m.Mentions, func(y Mention) bool { return y.OpenID == deref(x.Id.OpenId) }) {
			m.Mentions = append(m.Mentions, Mention{OpenID: deref(x.Id.OpenId), Name: deref(x.Name)})
		}
	}
	// Longest keys first, so @_user_1 does not eat the front of @_user_10.
	slices.SortFunc(keyed, func(a, b *larkim.MentionEvent) int { return len(deref(b.Key)) - len(deref(a.Key)) })
	for _, x := range keyed {
		key := deref(x.Key)
		if isBot(x) {
			text = strings.ReplaceAll(text, key+" ", "")
			text = strings.ReplaceAll(text, key, "")
			continue
		}
		text = strings.ReplaceAll(text, key, "@"+deref(x.Name))
	}
	m.Text = strings.TrimSpace(text)
	return m
}

// contentText extracts the readable text of text and post (rich text) messages.
func contentText(msgType, content string) string {
	switch msgType {
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		if json.Unmarshal([]byte(content), &c) == nil {
			return c.Text
		}
	case "post":
		return postText(content)
	}
	return ""
}

type postElem struct {
	Tag    string `json:"tag"`
	Text   string `json:"text"`
	UserID string `json:"user_id"`
}

type postBody struct {
	Title   string       `json:"title"`
	Content [][]postElem `json:"content"`
}

// postText flattens a post: the title, then each paragraph on its own line. Received posts carry one
// body; sent ones may be keyed by locale, of which the first non-empty one is used.
func postText(content string) string {
	var p postBody
	if json.Unmarshal([]byte(content), &p) != nil {
		return ""
	}
	if p.Title == "" && len(p.Content) == 0 {
		var byLocale map[string]postBody
		if json.Unmarshal([]byte(content), &byLocale) == nil {
			for _, k := range []string{"zh_cn", "en_us"} {
				if b, ok := byLocale[k]; ok {
					p = b
					break
				}
			}
		}
	}
	var lines []string
	if p.Title != "" {
		lines = append(lines, p.Title)
	}
	for _, para := range p.Content {
		var sb strings.Builder
		for _, el := range para {
			switch el.Tag {
			case "text", "a", "md", "code_block":
				sb.WriteString(el.Text)
			case "at":
				sb.WriteString(el.UserID) // the @_user_N placeholder, resolved like text mentions
			}
		}
		lines = append(lines, sb.String())
	}
	return strings.Join(lines, "\n")
}
