package larktest_test

import (
	"context"
	"fmt"

	"github.com/baton-crm/baton/bot/larktest"
)

// A typical bot test: start the emulator, seed the directory, point the bot (SDK base URL and webhook) at
// it, then act as users and inspect what the bot did.
func Example() {
	lark := larktest.New(larktest.Config{AppID: "cli_example", VerificationToken: "vt", EncryptKey: "ek"})
	defer lark.Close()
	lark.AddUser(larktest.User{OpenID: "ou_ann", Name: "Ann"})
	group := lark.AddGroup("Sales", "ou_ann")

	// The bot under test would be configured with lark.URL() as its Open API base URL and would register
	// its event endpoint here.
	lark.SetWebhook("http://127.0.0.1:8080/lark/events")

	ctx := context.Background()
	if _, err := lark.SendText(ctx, group, "ou_ann", "@bot new lead ACME"); err != nil {
		fmt.Println("the bot did not take the event:", err)
		return
	}
	_ = lark.WaitFor(ctx, func() bool { return len(lark.Messages(group)) >= 2 })
	for _, m := range lark.Messages(group) {
		if m.Sender == "app" && m.MsgType == "interactive" {
			res, err := lark.Click(ctx, m.ID, "claim", "ou_ann")
			fmt.Println(res.Toast, res.CardUpdated, err)
		}
	}
}
