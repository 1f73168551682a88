package larktest

import (
	"context"
	"encoding/json"
	"testing"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

func TestSendPatchReplyUrgentRoundTrip(t *testing.T) {
	s := newServer(t, Config{})
	ann, bob, group := seed(s)
	c := newSDK(t, s)
	ctx := context.Background()

	created := c.send(t, group, "interactive", mustJSON(t, card(button("claim", "claim"))), "")
	if !created.Success() {
		t.Fatalf("create: code %d msg %s", created.Code, created.Msg)
	}
	id := *created.Data.MessageId
	if *created.Data.ChatId != group || *created.Data.Sender.SenderType != "app" || *created.Data.MsgType != "interactive" {
		t.Fatalf("create data = %+v", created.Data)
	}

	patched := card(map[string]any{"tag": "markdown", "content": "Claimed by Ann"})
	pr, err := c.im.Message.Patch(ctx, larkim.NewPatchMessageReqBuilder().MessageId(id).
		Body(larkim.NewPatchMessageReqBodyBuilder().Content(mustJSON(t, patched)).Build()).Build())
	if err != nil || !pr.Success() {
		t.Fatalf("patch: err %v resp %+v", err, pr)
	}

	rr, err := c.im.Message.Reply(ctx, larkim.NewReplyMessageReqBuilder().MessageId(id).
		Body(larkim.NewReplyMessageReqBodyBuilder().MsgType("text").Content(`{"text":"done"}`).ReplyInThread(true).Build()).Build())
	if err != nil || !rr.Success() {
		t.Fatalf("reply: err %v resp %+v", err, rr)
	}
	if *rr.Data.ParentId != id || *rr.Data.RootId != id || *rr.Data.ThreadId == "" {
		t.Fatalf("reply data = parent %s root %s thread %s", *rr.Data.ParentId, *rr.Data.RootId, *rr.Data.ThreadId)
	}

	ur, err := c.im.Message.UrgentApp(ctx, larkim.NewUrgentAppMessageReqBuilder().MessageId(id).UserIdType("open_id").
		UrgentReceivers(larkim.NewUrgentReceiversBuilder().UserIdList([]string{ann, "ou_stranger"}).Build()).Build())
	if err != nil || !ur.Success() {
		t.Fatalf("urgent: err %v resp %+v", err, ur)
	}
	if got := ur.Data.InvalidUserIdList; len(got) != 1 || got[0] != "ou_stranger" {
		t.Fatalf("invalid_user_id_list = %v", got)
	}

	m, found := s.Message(id)
	if !found || m.Updates != 1 || len(m.UrgentTo) != 1 || m.UrgentTo[0] != ann {
		t.Fatalf("stored message = %+v", m)
	}
	body := m.Card["body"].(map[string]any)["elements"].([]any)[0].(map[string]any)
	if body["content"] != "Claimed by Ann" {
		t.Fatalf("stored card not patched: %v", m.Card)
	}
	if got := s.UrgentUnread(ann); got != 1 {
		t.Fatalf("urgent unread for ann = %d", got)
	}
	if msgs := s.Messages(group); len(msgs) != 2 || msgs[1].ParentID != id {
		t.Fatalf("messages in group = %+v", msgs)
	}

	gr, err := c.im.Message.Get(ctx, larkim.NewGetMessageReqBuilder().MessageId(id).Build())
	if err != nil || !gr.Success() || len(gr.Data.Items) != 1 || *gr.Data.Items[0].Body.Content != m.Content {
		t.Fatalf("get: err %v resp %+v", err, gr)
	}

	// A DM to a user by open_id lands in the stable p2p chat.
	dm, err := c.im.Message.Create(ctx, larkim.NewCreateMessageReqBuilder().ReceiveIdType("open_id").
		Body(larkim.NewCreateMessageReqBodyBuilder().ReceiveId(bob).MsgType("text").Content(`{"text":"hi"}`).Build()).Build())
	if err != nil || !dm.Success() || *dm.Data.ChatId != s.P2PChatID(bob) {
		t.Fatalf("dm: err %v resp %+v", err, dm)
	}
	if got := s.DMs(bob); len(got) != 1 || got[0].Content != `{"text":"hi"}` {
		t.Fatalf("DMs(bob) = %+v", got)
	}
}

func TestUUIDDeduplicates(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	c := newSDK(t, s)
	first := c.send(t, group, "text", `{"text":"one"}`, "job-17")
	second := c.send(t, group, "text", `{"text":"two"}`, "job-17")
	third := c.send(t, group, "text", `{"text":"three"}`, "job-18")
	if !first.Success() || !second.Success() || !third.Success() {
		t.Fatalf("codes %d %d %d", first.Code, second.Code, third.Code)
	}
	if *first.Data.MessageId != *second.Data.MessageId {
		t.Fatalf("repeat uuid created a new message: %s vs %s", *first.Data.MessageId, *second.Data.MessageId)
	}
	msgs := s.Messages(group)
	if len(msgs) != 2 || msgs[0].Content != `{"text":"one"}` || msgs[1].UUID != "job-18" {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestSendRejectsWhatLarkRejects(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	outside := s.AddGroup("Elsewhere", "ou_ann")
	s.AddChat(Chat{ChatID: outside, Name: "Elsewhere", Members: []string{"ou_ann"}, BotOut: true})
	c := newSDK(t, s)
	big := make([]byte, 31*1024)
	for i := range big {
		big[i] = 'x'
	}
	stringValue := card(map[string]any{"tag": "button", "behaviors": []any{map[string]any{"type": "callback", "value": "claim"}}})
	tests := []struct {
		name, chat, msgType, content string
		code                         int
	}{
		{"invalid json", group, "text", `{"text":`, CodeInvalidParam},
		{"bot not in chat", outside, "text", `{"text":"hi"}`, CodeBotNotInChat},
		{"card over 30 KB", group, "interactive", mustJSON(t, card(map[string]any{"tag": "markdown", "content": string(big)})), CodeContentTooLong},
		{"card 1.0", group, "interactive", `{"config":{"wide_screen_mode":true},"elements":[]}`, CodeCardInvalid},
		{"string callback value", group, "interactive", mustJSON(t, stringValue), CodeCardInvalid},
		{"unknown msg_type", group, "card", `{}`, CodeInvalidParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.send(t, tt.chat, tt.msgType, tt.content, "")
			if resp.Code != tt.code {
				t.Fatalf("code = %d (%s), want %d", resp.Code, resp.Msg, tt.code)
			}
		})
	}
	if n := len(s.Messages(group)); n != 0 {
		t.Fatalf("%d messages stored after rejected sends", n)
	}
}

func TestPatchRules(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	c := newSDK(t, s)
	noMulti := card(button("b1", "x"))
	delete(noMulti, "config")
	plain := c.send(t, group, "interactive", mustJSON(t, noMulti), "")
	text := c.send(t, group, "text", `{"text":"hi"}`, "")
	good := c.send(t, group, "interactive", mustJSON(t, card(button("b1", "x"))), "")
	s.Recall(*good.Data.MessageId)

	patch := func(id string) int {
		resp, err := c.im.Message.Patch(context.Background(), larkim.NewPatchMessageReqBuilder().MessageId(id).
			Body(larkim.NewPatchMessageReqBodyBuilder().Content(mustJSON(t, card())).Build()).Build())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Code
	}
	if got := patch(*plain.Data.MessageId); got != CodeCardInvalid {
		t.Errorf("patch of a card without update_multi: code %d", got)
	}
	if got := patch(*text.Data.MessageId); got != CodeInvalidParam {
		t.Errorf("patch of a text message: code %d", got)
	}
	if got := patch(*good.Data.MessageId); got != CodeMessageRecalled {
		t.Errorf("patch of a recalled card: code %d", got)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(s.Messages(group)[0].Content), &m)
	if m["schema"] != "2.0" {
		t.Fatalf("stored content changed by failed patch: %v", m)
	}
}
