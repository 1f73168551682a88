package bot

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

func receiveEvent(t *testing.T, msgType, content string, mentions ...map[string]any) *larkim.P2MessageReceiveV1 {
	t.Helper()
	msg := map[string]any{
		"message_id": "om_1", "chat_id": "oc_1", "chat_type": "group", "message_type": msgType,
		"content": content, "create_time": "1700000000000", "mentions": mentions,
	}
	raw, _ := json.Marshal(map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": "ev_1", "event_type": "im.message.receive_v1", "create_time": "1700000000000"},
		"event":  map[string]any{"sender": map[string]any{"sender_id": map[string]any{"open_id": "ou_ann"}, "sender_type": "user"}, "message": msg},
	})
	var e larkim.P2MessageReceiveV1
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func mention(key, openID, name string) map[string]any {
	return map[string]any{"key": key, "id": map[string]any{"open_id": openID}, "name": name}
}

func TestMessageFromResolvesMentions(t *testing.T) {
	t.Parallel()
	var ten []map[string]any
	for i := 1; i <= 10; i++ {
		ten = append(ten, mention("@_user_"+itoa(i), "ou_"+itoa(i), "U"+itoa(i)))
	}
	for _, tc := range []struct {
		name    string
		event   *larkim.P2MessageReceiveV1
		bot     string
		text    string
		mbot    bool
		mention []Mention
	}{
		{
			name:  "bot first, user later",
			event: receiveEvent(t, "text", `{"text":"@_user_1 /insight @_user_2 likes golf"}`, mention("@_user_1", "ou_bot", "Baton"), mention("@_user_2", "ou_bob", "Bob")),
			bot:   "ou_bot", text: "/insight @Bob likes golf", mbot: true, mention: []Mention{{"ou_bob", "Bob"}},
		},
		{
			name:  "@_user_10 is not @_user_1 followed by 0",
			event: receiveEvent(t, "text", `{"text":"@_user_10 and @_user_1"}`, ten...),
			bot:   "ou_bot", text: "@U10 and @U1", mention: mentionList(10),
		},
		{
			name:  "unknown bot id keeps every mention",
			event: receiveEvent(t, "text", `{"text":"@_user_1 hi"}`, mention("@_user_1", "ou_bot", "Baton")),
			text:  "@Baton hi", mention: []Mention{{"ou_bot", "Baton"}},
		},
		{
			name: "post flattened with title and at",
			event: receiveEvent(t, "post", `{"title":"Lead","content":[[{"tag":"at","user_id":"@_user_1"},{"tag":"text","text":" /lead ACME"}],[{"tag":"text","text":"138 0013 8000"}]]}`,
				mention("@_user_1", "ou_bot", "Baton")),
			bot: "ou_bot", text: "Lead\n/lead ACME\n138 0013 8000", mbot: true,
		},
		{
			name:  "image has no text",
			event: receiveEvent(t, "image", `{"image_key":"img_1"}`),
			bot:   "ou_bot", text: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := messageFrom(tc.event, NewIdentity(tc.bot))
			if m.Text != tc.text || m.MentionsBot != tc.mbot {
				t.Errorf("text %q mentionsBot %v, want %q %v", m.Text, m.MentionsBot, tc.text, tc.mbot)
			}
			if diff := cmp.Diff(tc.mention, m.Mentions); diff != "" {
				t.Errorf("mentions (-want +got):\n%s", diff)
			}
			if m.EventID != "ev_1" || m.SenderOpenID != "ou_ann" || !m.CreatedAt.Equal(time.UnixMilli(1700000000000)) {
				t.Errorf("ids/time = %q %q %v", m.EventID, m.SenderOpenID, m.CreatedAt)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func mentionList(n int) []Mention {
	var out []Mention
	for i := 1; i <= n; i++ {
		out = append(out, Mention{OpenID: "ou_" + itoa(i), Name: "U" + itoa(i)})
	}
	return out
}
