package larktest

import (
	"context"
	"fmt"
	"testing"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

func TestChatMembersPagedWithoutBots(t *testing.T) {
	s := newServer(t, Config{})
	var members []string
	for i := range 5 {
		id := fmt.Sprintf("ou_m%d", i)
		s.AddUser(User{OpenID: id, Name: fmt.Sprintf("M%d", i)})
		members = append(members, id)
	}
	group := s.AddGroup("Team", members...)
	c := newSDK(t, s)
	var got []string
	token := ""
	for page := 0; ; page++ {
		b := larkim.NewGetChatMembersReqBuilder().ChatId(group).MemberIdType("open_id").PageSize(2)
		if token != "" {
			b.PageToken(token)
		}
		resp, err := c.im.ChatMembers.Get(context.Background(), b.Build())
		if err != nil || !resp.Success() {
			t.Fatalf("page %d: %v %+v", page, err, resp)
		}
		if *resp.Data.MemberTotal != 5 || len(resp.Data.Items) > 2 {
			t.Fatalf("page %d: total %d items %d", page, *resp.Data.MemberTotal, len(resp.Data.Items))
		}
		for _, it := range resp.Data.Items {
			got = append(got, *it.MemberId)
		}
		if !*resp.Data.HasMore {
			break
		}
		token = *resp.Data.PageToken
	}
	if fmt.Sprint(got) != fmt.Sprint(members) {
		t.Fatalf("members = %v, want %v (and never the bot)", got, members)
	}

	s.AddChat(Chat{ChatID: group, Name: "Team", Members: members, BotOut: true})
	resp, err := c.im.ChatMembers.Get(context.Background(), larkim.NewGetChatMembersReqBuilder().ChatId(group).Build())
	if err != nil || resp.Code != CodeNotInChat {
		t.Fatalf("members of a chat without the bot: %v code %d", err, resp.Code)
	}
}

func TestGetUserAndChat(t *testing.T) {
	s := newServer(t, Config{})
	ann, _, group := seed(s)
	c := newSDK(t, s)
	resp, m := c.raw(t, "GET", "/open-apis/contact/v3/users/"+ann+"?user_id_type=open_id", nil)
	user, _ := m["data"].(map[string]any)["user"].(map[string]any)
	if resp.StatusCode != 200 || user["name"] != "Ann" || user["email"] != "ann@example.com" || user["union_id"] == "" {
		t.Fatalf("user = %v", m)
	}
	u := s.Users()[0]
	_, m = c.raw(t, "GET", "/open-apis/contact/v3/users/"+u.UnionID+"?user_id_type=union_id", nil)
	if m["code"] != float64(0) {
		t.Fatalf("user by union_id: %v", m)
	}
	_, m = c.raw(t, "GET", "/open-apis/contact/v3/users/ou_nobody", nil)
	if m["code"] != float64(CodeNoUserAuthority) {
		t.Fatalf("unknown user: %v", m)
	}
	chat, err := c.im.Chat.Get(context.Background(), larkim.NewGetChatReqBuilder().ChatId(group).UserIdType("open_id").Build())
	if err != nil || !chat.Success() || *chat.Data.Name != "Sales" || *chat.Data.UserCount != "2" || *chat.Data.ChatMode != "group" {
		t.Fatalf("chat: %v %+v", err, chat)
	}
	if p2p := s.P2PChatID(ann); p2p != s.P2PChatID(ann) || p2p[:3] != "oc_" {
		t.Fatalf("unstable p2p id %s", p2p)
	}
}
