package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

func userCalls(s *larktest.Server, openID string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Route == larktest.RouteGetUser && c.UserID == openID {
			n++
		}
	}
	return n
}

// TestUserNameMissIsCached: a user outside the app's contact range answers 41050. Every card render asks
// for the name; the failure is remembered for NameMissTTL, so Lark is asked once per TTL, not per render.
func TestUserNameMissIsCached(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	c, err := NewClient(Config{AppID: s.Config().AppID, AppSecret: s.Config().AppSecret, BaseURL: s.URL(),
		Logger: quietLogger(), NameMissTTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const outside = "ou_outside_contact_range" // unknown to the tenant's contact range: 41050
	for range 5 {
		var ae *APIError
		if _, err := c.UserName(ctx, outside); !errors.As(err, &ae) || ae.Code != larktest.CodeNoUserAuthority {
			t.Fatalf("UserName of a user outside the range: %v, want Lark's 41050", err)
		}
	}
	if n := userCalls(s, outside); n != 1 {
		t.Errorf("5 renders asked Lark %d times for a user outside the contact range, want 1", n)
	}
	time.Sleep(400 * time.Millisecond) // past NameMissTTL: the range may have been widened
	c.UserName(ctx, outside)
	if n := userCalls(s, outside); n != 2 {
		t.Errorf("after the miss expired Lark was asked %d times in all, want 2", n)
	}
}

// TestUserNameInCallbackKeepsItsBudget: Lark's contact API is slow. A card callback does not wait for the
// name beyond its budget; the look-up finishes in the background and the next render has the name without
// asking Lark again.
func TestUserNameInCallbackKeepsItsBudget(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	s.AddUser(larktest.User{OpenID: "ou_slow", Name: "慢"})
	c := newTestClient(t, s, nil)
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil { // the token is fetched before Lark slows down
		t.Fatal(err)
	}
	s.SetLatency(time.Second)
	if _, err := c.UserName(withinCallback(ctx), "ou_slow"); !errors.Is(err, ErrLookupPending) {
		t.Fatalf("UserName in a callback with Lark slow: %v, want ErrLookupPending", err)
	}
	if err := s.WaitFor(ctx, func() bool { return userCalls(s, "ou_slow") == 1 }); err != nil {
		t.Fatal(err)
	}
	s.SetLatency(0)
	name, err := c.UserName(withinCallback(ctx), "ou_slow")
	for errors.Is(err, ErrLookupPending) { // the emulator recorded the call just before answering it
		time.Sleep(10 * time.Millisecond)
		name, err = c.UserName(withinCallback(ctx), "ou_slow")
	}
	if err != nil || name != "慢" {
		t.Fatalf("UserName after the background look-up = %q, %v", name, err)
	}
	if n := userCalls(s, "ou_slow"); n != 1 {
		t.Errorf("Lark was asked %d times, want 1 (the background look-up filled the cache)", n)
	}
}
