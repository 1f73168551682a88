package bot

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestUserIDsResolvesEmailsAndMobiles: emails and mobiles become open_ids over batch_get_id, more than one
// call's worth (50 each), mainland numbers written with +86 or spaces included; unknown people are absent.
func TestUserIDsResolvesEmailsAndMobiles(t *testing.T) {
	emu := newEmulator(t)
	var emails, mobiles []string
	want := map[string]string{}
	for i := range 60 {
		id := fmt.Sprintf("ou_person%02d", i)
		email, mobile := fmt.Sprintf("p%02d@example.com", i), fmt.Sprintf("139%08d", i)
		emu.AddUser(larktest.User{OpenID: id, Name: "P", Email: email, Mobile: mobile})
		emails = append(emails, email)
		given := mobile
		if i%2 == 0 {
			given = fmt.Sprintf("+86 139 %04d %04d", i/10000, i%10000) // as people type them
		}
		mobiles = append(mobiles, given)
		want[email], want[given] = id, id
	}
	emails, mobiles = append(emails, "nobody@example.com"), append(mobiles, "13700000000")
	got, err := newTestClient(t, emu, nil).UserIDs(t.Context(), emails, mobiles)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved ids (-want +got):\n%s", diff)
	}
	calls := 0
	for _, c := range emu.Calls() {
		if c.Route == larktest.RouteBatchGetID {
			calls++
		}
	}
	if calls != 2 {
		t.Errorf("%d batch_get_id calls for 61 emails and 61 mobiles, want 2 (50 of each per call)", calls)
	}
}

// TestChatsListsEveryPage: the bot's group chats come back across pages; chats the bot left are not listed.
func TestChatsListsEveryPage(t *testing.T) {
	emu := newEmulator(t)
	var want []Chat
	for i := range 130 {
		c := larktest.Chat{ChatID: fmt.Sprintf("oc_chat%03d", i), Name: fmt.Sprintf("群 %d", i)}
		if i == 7 {
			c.BotOut = true
		} else {
			want = append(want, Chat{ID: c.ChatID, Name: c.Name})
		}
		emu.AddChat(c)
	}
	got, err := newTestClient(t, emu, nil).Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chats (-want +got):\n%s", diff)
	}
}
