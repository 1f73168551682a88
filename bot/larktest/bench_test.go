package larktest

import (
	"context"
	"testing"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// BenchmarkCreateCard measures one card send through the SDK and the emulator, the unit of most bot tests.
func BenchmarkCreateCard(b *testing.B) {
	s := New(Config{AppID: "cli_" + randHex(8)})
	defer s.Close()
	_, _, group := seed(s)
	c := newSDK(b, s)
	content := mustJSON(b, card(button("btn_claim", "claim")))
	req := larkim.NewCreateMessageReqBuilder().ReceiveIdType("chat_id").
		Body(larkim.NewCreateMessageReqBodyBuilder().ReceiveId(group).MsgType("interactive").Content(content).Build()).Build()
	b.ResetTimer()
	for b.Loop() {
		resp, err := c.im.Message.Create(context.Background(), req)
		if err != nil || !resp.Success() {
			b.Fatalf("create: %v %+v", err, resp)
		}
	}
}
