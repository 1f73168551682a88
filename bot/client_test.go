package bot

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/crm"
)

func countCalls(s *larktest.Server, route string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Route == route {
			n++
		}
	}
	return n
}

func TestClientSendsRepliesAndPatches(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	ann := larktest.User{OpenID: "ou_ann", Name: "Ann"}
	s.AddUser(ann)
	chat := s.AddGroup("Sales East", ann.OpenID)
	c := newTestClient(t, s, nil)
	ctx := context.Background()

	cardID, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("New lead", "claim")}, "lead:42:pool")
	if err != nil {
		t.Fatalf("send card: %v", err)
	}
	m, ok := s.Message(cardID)
	if !ok || m.ChatID != chat || m.MsgType != "interactive" || m.Sender != "app" {
		t.Fatalf("stored card = %+v (found %v), want an interactive app message in %s", m, ok, chat)
	}
	if m.UUID != uuidFor("lead:42:pool") || len(m.UUID) > 50 {
		t.Errorf("uuid = %q, want the hashed key of at most 50 characters", m.UUID)
	}

	// The same key again is the same send: Lark dedupes on uuid, nothing new is posted.
	again, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("New lead", "claim")}, "lead:42:pool")
	if err != nil {
		t.Fatalf("send again: %v", err)
	}
	if again != cardID || len(s.Messages(chat)) != 1 {
		t.Errorf("resend with the same key gave %s and %d messages, want %s and 1", again, len(s.Messages(chat)), cardID)
	}

	text := `He said "call me" at 9` + "\n" + `<b>not markup</b>`
	dmID, err := c.Send(ctx, crm.Recipient{OpenID: ann.OpenID}, crm.Outgoing{Text: text}, "")
	if err != nil {
		t.Fatalf("send DM: %v", err)
	}
	dms := s.DMs(ann.OpenID)
	if len(dms) != 1 || dms[0].ID != dmID || dms[0].Content != mustJSON(t, map[string]string{"text": text}) {
		t.Errorf("DMs = %+v, want the one text message with its text escaped", dms)
	}

	replyID, err := c.Reply(ctx, chat, cardID, crm.Outgoing{Text: "claimed"}, "lead:42:reply")
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if r, _ := s.Message(replyID); r.ParentID != cardID {
		t.Errorf("reply parent = %q, want %q", r.ParentID, cardID)
	}

	if err := c.UpdateCard(ctx, cardID, testCard("Claimed by Ann", "release")); err != nil {
		t.Fatalf("update card: %v", err)
	}
	if m, _ := s.Message(cardID); m.Updates != 1 || !contains(m.Content, "Claimed by Ann") {
		t.Errorf("after patch: updates=%d content=%s", m.Updates, m.Content)
	}

	if err := c.Urgent(ctx, cardID, []string{ann.OpenID}); err != nil {
		t.Fatalf("urgent: %v", err)
	}
	if m, _ := s.Message(cardID); !slices.Contains(m.UrgentTo, ann.OpenID) {
		t.Errorf("urgent recipients = %v, want %s", m.UrgentTo, ann.OpenID)
	}

	if _, err := c.Send(ctx, crm.Recipient{}, crm.Outgoing{Text: "x"}, ""); err == nil {
		t.Error("send without a recipient succeeded")
	}
	if err := c.UpdateCard(ctx, cardID, []byte("{not json")); err == nil {
		t.Error("patch with invalid JSON succeeded")
	}
}

func TestClientDirectory(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	var members []string
	for i := range 130 { // more than one page of 100
		u := larktest.User{OpenID: randID("ou_"), Name: "Rep " + string(rune('A'+i%26))}
		s.AddUser(u)
		members = append(members, u.OpenID)
	}
	chat := s.AddGroup("Big pool", members...)
	c := newTestClient(t, s, nil)
	ctx := context.Background()

	got, err := c.ChatMembers(ctx, chat)
	if err != nil {
		t.Fatalf("chat members: %v", err)
	}
	if diff := cmp.Diff(sorted(members), sorted(got)); diff != "" {
		t.Errorf("chat members (-want +got):\n%s", diff)
	}
	pages := countCalls(s, larktest.RouteGetChatMembers)
	if pages < 2 {
		t.Errorf("%d member pages fetched for 130 members, want at least 2", pages)
	}
	if _, err := c.ChatMembers(ctx, chat); err != nil || countCalls(s, larktest.RouteGetChatMembers) != pages {
		t.Errorf("second ChatMembers: err=%v, calls %d → %d, want served from cache", err, pages, countCalls(s, larktest.RouteGetChatMembers))
	}

	name, err := c.UserName(ctx, members[0])
	if err != nil || name != "Rep A" {
		t.Fatalf("user name = %q, %v; want Rep A", name, err)
	}
	if _, err := c.UserName(ctx, members[0]); err != nil || countCalls(s, larktest.RouteGetUser) != 1 {
		t.Errorf("second UserName: err=%v, %d calls, want 1 (cached)", err, countCalls(s, larktest.RouteGetUser))
	}

	info, err := c.ChatInfo(ctx, chat)
	if err != nil {
		t.Fatalf("chat info: %v", err)
	}
	if info.Name != "Big pool" || info.UserCount != 130 {
		t.Errorf("chat info = %+v, want name Big pool and 130 users", info)
	}

	bot, err := c.BotOpenID(ctx)
	if err != nil || bot != s.Config().BotOpenID {
		t.Errorf("bot open id = %q, %v; want %q", bot, err, s.Config().BotOpenID)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func TestClientErrorsAreClassified(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	chat := s.AddGroup("Ops")
	c := newTestClient(t, s, nil)
	ctx := context.Background()

	// Server errors are retried; the send lands once.
	s.FailNext(larktest.RouteCreateMessage, 2, http.StatusInternalServerError, 0)
	if _, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Text: "hi"}, "k1"); err != nil {
		t.Fatalf("send after two 500s: %v", err)
	}
	if n := len(s.Messages(chat)); n != 1 {
		t.Errorf("%d messages after retried send, want 1", n)
	}

	// 504 becomes the SDK's ServerTimeoutError; still temporary, still retried.
	s.FailNext(larktest.RouteCreateMessage, 1, http.StatusGatewayTimeout, 0)
	if _, err := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Text: "hi"}, "k2"); err != nil {
		t.Fatalf("send after a 504: %v", err)
	}

	// A recalled message is final: one attempt, not temporary.
	id, _ := c.Send(ctx, crm.Recipient{ChatID: chat}, crm.Outgoing{Card: testCard("x", "claim")}, "k3")
	s.Recall(id)
	before := countCalls(s, larktest.RoutePatchMessage)
	err := c.UpdateCard(ctx, id, testCard("y", "claim"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != larktest.CodeMessageRecalled || ae.Temporary() || IsTemporary(err) {
		t.Fatalf("patch of a recalled message: err = %#v, want a non-temporary APIError with code %d", err, larktest.CodeMessageRecalled)
	}
	if n := countCalls(s, larktest.RoutePatchMessage) - before; n != 1 {
		t.Errorf("patch of a recalled message was tried %d times, want 1", n)
	}

	// Server errors that outlast the attempts come back temporary, so a job retries later.
	s.FailNext(larktest.RouteGetChat, maxAttempts, http.StatusServiceUnavailable, 0)
	_, err = c.ChatInfo(ctx, chat)
	if !IsTemporary(err) {
		t.Errorf("ChatInfo after %d 503s: err = %v, want temporary", maxAttempts, err)
	}

	// A token Lark calls invalid is dropped and fetched again.
	s.FailNext(larktest.RouteGetChat, 1, http.StatusBadRequest, larktest.CodeInvalidToken)
	tokens := countCalls(s, larktest.RouteToken)
	if _, err := c.ChatInfo(ctx, chat); err != nil {
		t.Fatalf("ChatInfo after an invalid token: %v", err)
	}
	if countCalls(s, larktest.RouteToken) != tokens+1 {
		t.Errorf("token fetched %d more times after an invalid token, want 1", countCalls(s, larktest.RouteToken)-tokens)
	}
}

func TestClientWrongSecretIsFinal(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	c, err := NewClient(Config{AppID: s.Config().AppID, AppSecret: "wrong", BaseURL: s.URL(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Ping(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != larktest.CodeAppSecretInvalid || ae.Temporary() {
		t.Errorf("ping with a wrong secret: %v, want a non-temporary APIError %d", err, larktest.CodeAppSecretInvalid)
	}
	if _, err := NewClient(Config{AppID: "cli_x"}); err == nil {
		t.Error("NewClient without a secret succeeded")
	}
}

func TestClientSharesTokenThroughRedis(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	rdb := miniRedis(t)
	ctx := context.Background()
	for range 3 { // three replicas
		if err := newTestClient(t, s, rdb).Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := countCalls(s, larktest.RouteToken); n != 1 {
		t.Errorf("three replicas fetched %d tokens, want 1 shared through Redis", n)
	}
}

func TestAPIErrorTemporary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  APIError
		want bool
	}{
		{APIError{Status: 429, Code: codeRateLimited}, true},
		{APIError{Status: 400, Code: codeIMRateLimited}, true},
		{APIError{Status: 400, Code: codeTenantRateLimit}, true},
		{APIError{Status: 502}, true},
		{APIError{Err: errors.New("connection reset")}, true},
		{APIError{Err: context.DeadlineExceeded}, true},
		{APIError{Err: context.Canceled}, false},
		{APIError{Status: 400, Code: 230011}, false}, // recalled
		{APIError{Status: 400, Code: 230027}, false}, // no permission
		{APIError{Status: 400, Code: 230001}, false}, // bad request
		{APIError{Status: 404}, false},
	} {
		if got := tc.err.Temporary(); got != tc.want {
			t.Errorf("%+v.Temporary() = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBackoffUsesLarkResetHeader(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("x-ogw-ratelimit-reset", "2")
	ae := &APIError{Status: 429, Code: codeRateLimited, RetryAfter: retryAfter(h)}
	if d := backoff(1, ae); d < 2*time.Second || d > 2250*time.Millisecond {
		t.Errorf("backoff with reset 2s = %v, want 2s plus up to 250ms of jitter", d)
	}
	for attempt := 1; attempt <= 8; attempt++ {
		d := backoff(attempt, &APIError{Status: 500})
		ceil := min(250*time.Millisecond<<(attempt-1), 8*time.Second)
		if d < ceil/2 || d > ceil {
			t.Errorf("backoff(%d) = %v, want within [%v, %v]", attempt, d, ceil/2, ceil)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
