package larktest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// TestPerAPILimits: each API has its own tier. 50 sends a second across many chats fill the send API; the
// 51st is answered like Lark (429, 99991400, x-ogw-ratelimit-* headers, seen by the SDK as a response),
// while a reply, another API, still goes through.
func TestPerAPILimits(t *testing.T) {
	s := newServer(t, Config{})
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	var chats []string
	for i := range 11 {
		chats = append(chats, s.AddGroup(fmt.Sprintf("G%d", i)))
	}
	s.EnforceRateLimits(true)
	c := newSDK(t, s)
	var first string
	for i := range 50 {
		r := c.send(t, chats[i%len(chats)], "text", `{"text":"x"}`, "")
		if !r.Success() {
			t.Fatalf("send %d: %d %s", i, r.Code, r.Msg)
		}
		if i == 10 { // chats[10] has one message so far
			first = *r.Data.MessageId
		}
	}
	r := c.send(t, chats[10], "text", `{"text":"x"}`, "")
	if r.StatusCode != http.StatusTooManyRequests || r.Code != CodeRateLimited ||
		r.Header.Get("X-Ogw-Ratelimit-Limit") != "50" || r.Header.Get("X-Ogw-Ratelimit-Reset") != "1" {
		t.Fatalf("51st send in a second: status %d code %d headers %v", r.StatusCode, r.Code, r.Header)
	}
	reply, err := c.im.Message.Reply(context.Background(), larkim.NewReplyMessageReqBuilder().MessageId(first).
		Body(larkim.NewReplyMessageReqBodyBuilder().MsgType("text").Content(`{"text":"y"}`).Build()).Build())
	if err != nil || !reply.Success() {
		t.Fatalf("reply while the send API is full: %v %+v", err, reply)
	}
}

// TestReplyCountsAgainstTheChat: a reply is a message in its parent's chat; sends and replies together may
// not exceed the chat's 5 QPS (230020).
func TestReplyCountsAgainstTheChat(t *testing.T) {
	s := newServer(t, Config{})
	_, _, group := seed(s)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })
	s.EnforceRateLimits(true)
	c := newSDK(t, s)
	parent := c.send(t, group, "text", `{"text":"card"}`, "")
	if !parent.Success() {
		t.Fatalf("send: %d", parent.Code)
	}
	for i := range 4 {
		reply, err := c.im.Message.Reply(context.Background(), larkim.NewReplyMessageReqBuilder().MessageId(*parent.Data.MessageId).
			Body(larkim.NewReplyMessageReqBodyBuilder().MsgType("text").Content(`{"text":"y"}`).Build()).Build())
		if err != nil || !reply.Success() {
			t.Fatalf("reply %d: %v %+v", i, err, reply)
		}
	}
	if r := c.send(t, group, "text", `{"text":"x"}`, ""); r.Code != CodeIMRateLimited || r.StatusCode != http.StatusBadRequest {
		t.Fatalf("6th message in the chat within a second: status %d code %d, want 400 230020", r.StatusCode, r.Code)
	}
}
