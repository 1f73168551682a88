package crm

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// memDigests is a DigestStore that answers every query with figures naming the query, and keeps posted
// reports in a map.
type memDigests struct {
	queries  []string // "east,west 2026-11-23 → 2026-11-30" in the query's zone
	feedback *FeedbackFigures
	posted   map[string]string
}

func (m *memDigests) DigestFigures(_ context.Context, q DigestQuery) (*DigestFigures, error) {
	m.queries = append(m.queries, strings.Join(q.Pools, ",")+" "+q.Start.Format("2006-01-02 15:04")+" → "+q.End.Format("2006-01-02 15:04"))
	return &DigestFigures{NewLeads: len(m.queries)}, nil
}

func (m *memDigests) FeedbackFigures(_ context.Context, since, until time.Time) (*FeedbackFigures, error) {
	if m.feedback == nil {
		return &FeedbackFigures{}, nil
	}
	return m.feedback, nil
}

func (m *memDigests) LastPosted(_ context.Context, kind, key string) (string, error) {
	return m.posted[kind+"/"+key], nil
}

func (m *memDigests) MarkPosted(_ context.Context, kind, key, fp string, _ time.Time) (bool, error) {
	if m.posted == nil {
		m.posted = map[string]string{}
	}
	first := m.posted[kind+"/"+key] != fp
	m.posted[kind+"/"+key] = fp
	return first, nil
}

// sent is one message the recording messenger delivered.
type sent struct{ To, Card, Key string }

type recMessenger struct {
	sent   []sent
	failAt int // fail the n-th send (1-based); 0 never
	calls  int
}

func (r *recMessenger) Send(_ context.Context, to Recipient, m Outgoing, key string) (string, error) {
	r.calls++
	if r.calls == r.failAt {
		return "", errors.New("lark unavailable")
	}
	r.sent = append(r.sent, sent{to.ChatID + to.OpenID, string(m.Card), key})
	return "om_1", nil
}
func (r *recMessenger) Reply(context.Context, string, string, Outgoing, string) (string, error) {
	return "", nil
}
func (r *recMessenger) UpdateCard(context.Context, string, []byte) error { return nil }
func (r *recMessenger) Urgent(context.Context, string, []string) error   { return nil }

// digestCards renders digests as one line naming what they show, so tests can read them.
type digestCards struct{ Renderer }

func (digestCards) DigestCard(d *Digest) []byte {
	keys := make([]string, len(d.Pools))
	for i, p := range d.Pools {
		keys[i] = p.Key
	}
	all := ""
	if d.AllPools {
		all = " all"
	}
	return []byte(strings.Join(keys, ",") + all + " " + d.Week.String())
}

func (digestCards) FeedbackCard(f *FeedbackSummary) []byte {
	parts := []string{}
	for _, l := range f.Lines {
		parts = append(parts, l.Source)
	}
	return []byte("feedback " + strings.Join(parts, ","))
}

func digestService(t *testing.T) (*Service, *memDigests, *recMessenger) {
	loc := mustLoc(t, "Asia/Shanghai")
	m, msg := &memDigests{}, &recMessenger{}
	s := &Service{Digests: m, Messenger: msg, Renderer: digestCards{}, Logger: slog.New(slog.DiscardHandler),
		Settings: &Settings{Location: loc, OpsChannels: []string{"oc_ops"},
			Pools:  []Pool{{Key: "east", Managers: []string{"ou_m1"}}, {Key: "west", Managers: []string{"ou_m2", "ou_m1"}}},
			Digest: Schedule{Cron: "0 9 * * MON", To: []string{"managers", "ops_channels"}}}}
	return s, m, msg
}

func TestPostDigestsOncePerPoolWeek(t *testing.T) {
	t.Parallel()
	s, m, msg := digestService(t)
	// Monday 09:00 in Shanghai: the digest covers the week that just ended, W48.
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, s.Settings.Location)
	if err := s.PostDigests(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	want := []sent{
		{"ou_m1", "east 2026-W48", "digest-east-2026-W48-ou_m1"},
		{"ou_m2", "west 2026-W48", "digest-west-2026-W48-ou_m2"},
		{"ou_m1", "west 2026-W48", "digest-west-2026-W48-ou_m1"},
		{"ou_m1", "east,west all 2026-W48", "digest-all-2026-W48-ou_m1"},
		{"ou_m2", "east,west all 2026-W48", "digest-all-2026-W48-ou_m2"},
		{"oc_ops", "east,west all 2026-W48", "digest-all-2026-W48-oc_ops"},
	}
	if diff := cmp.Diff(want, msg.sent); diff != "" {
		t.Errorf("sends (-want +got):\n%s", diff)
	}
	// Each digest reads its week and the week before, as local weeks.
	if got := m.queries[:2]; got[0] != "east 2026-11-23 00:00 → 2026-11-30 00:00" || got[1] != "east 2026-11-16 00:00 → 2026-11-23 00:00" {
		t.Errorf("queries = %q", got)
	}
	// A second tick (another replica, a retry) posts nothing.
	if err := s.PostDigests(context.Background(), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(msg.sent) != len(want) {
		t.Errorf("second tick sent %d more messages", len(msg.sent)-len(want))
	}
}

func TestPostDigestsRetriesAfterAFailedSend(t *testing.T) {
	t.Parallel()
	s, m, msg := digestService(t)
	msg.failAt = 3 // west's second manager
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, s.Settings.Location)
	if err := s.PostDigests(context.Background(), now); err == nil {
		t.Fatal("a failed send was not reported")
	}
	if m.posted["digest/west-2026-W48"] != "" || m.posted["digest/east-2026-W48"] == "" {
		t.Fatalf("posted = %v: east done, west must stay pending", m.posted)
	}
	if err := s.PostDigests(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	// The retry resends west to both managers under the same keys (Lark drops the repeat) and never east.
	var keys []string
	for _, x := range msg.sent {
		keys = append(keys, x.Key)
	}
	sort.Strings(keys)
	want := []string{"digest-all-2026-W48-oc_ops", "digest-all-2026-W48-ou_m1", "digest-all-2026-W48-ou_m2",
		"digest-east-2026-W48-ou_m1", "digest-west-2026-W48-ou_m1", "digest-west-2026-W48-ou_m2", "digest-west-2026-W48-ou_m2"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestDigestCommandAccessAndWeeks(t *testing.T) {
	t.Parallel()
	s, m, _ := digestService(t)
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, s.Settings.Location) // Thursday of W48
	s.Now = func() time.Time { return now }
	ctx := context.Background()

	d, err := s.Digest(ctx, "ou_m1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !d.AllPools || len(d.Pools) != 2 || d.Week.String() != "2026-W48" || !d.Partial() {
		t.Errorf("manager of both pools, no arguments: all=%v pools=%d week=%s partial=%v", d.AllPools, len(d.Pools), d.Week, d.Partial())
	}
	// The running week is read up to now, not to its end.
	if got := m.queries[0]; got != " 2026-11-23 00:00 → 2026-11-26 15:00" { // every pool

		t.Errorf("this week's query = %q", got)
	}
	d, err = s.Digest(ctx, "ou_m2", "", "last week")
	if err != nil {
		t.Fatal(err)
	}
	if d.AllPools || len(d.Pools) != 1 || d.Pools[0].Key != "west" || d.Week.String() != "2026-W47" || d.Partial() {
		t.Errorf("west manager, last week: all=%v pools=%v week=%s partial=%v", d.AllPools, d.Pools, d.Week, d.Partial())
	}
	for _, c := range []struct{ actor, pool, week, code string }{
		{"ou_m2", "east", "", EFORBIDDEN},    // manages west only
		{"ou_rep", "", "", EFORBIDDEN},       // manages nothing
		{"ou_m1", "north", "", EINVALID},     // no such pool
		{"ou_m1", "east", "bogus", EINVALID}, // no such week
		{"ou_m1", "east", "2026-W60", EINVALID},
	} {
		if _, err := s.Digest(ctx, c.actor, c.pool, c.week); ErrorCode(err) != c.code {
			t.Errorf("Digest(%s, %q, %q) error = %v, want %s", c.actor, c.pool, c.week, err, c.code)
		}
	}
}

func TestPostFeedbackSummaryOnlyWhenSomethingChanged(t *testing.T) {
	t.Parallel()
	s, m, msg := digestService(t)
	ctx := context.Background()
	friday := time.Date(2026, 11, 27, 18, 0, 0, 0, s.Settings.Location)
	m.feedback = &FeedbackFigures{Rows: []FeedbackRow{{Source: "ads", Leads: 3}}}
	if err := s.PostFeedbackSummary(ctx, friday); err != nil || len(msg.sent) != 0 {
		t.Fatalf("no verdict yet: err %v, %d sends", err, len(msg.sent))
	}
	m.feedback.Mark = "41"
	if err := s.PostFeedbackSummary(ctx, friday); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]sent{{"oc_ops", "feedback ads", "feedback-41-oc_ops"}}, msg.sent); diff != "" {
		t.Errorf("first summary (-want +got):\n%s", diff)
	}
	if err := s.PostFeedbackSummary(ctx, friday.Add(24*time.Hour*3)); err != nil || len(msg.sent) != 1 {
		t.Errorf("nothing new: err %v, %d sends, want 1", err, len(msg.sent))
	}
	m.feedback.Mark = "57"
	s.Settings.BusinessHours = &BusinessHours{Location: s.Settings.Location, Start: 9 * time.Hour, End: 18 * time.Hour,
		Days: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}}
	saturday := friday.Add(24 * time.Hour)
	if err := s.PostFeedbackSummary(ctx, saturday); err != nil || len(msg.sent) != 1 {
		t.Errorf("Saturday: err %v, %d sends, want none new", err, len(msg.sent))
	}
	monday := friday.Add(3 * 24 * time.Hour)
	if err := s.PostFeedbackSummary(ctx, monday); err != nil || len(msg.sent) != 2 || msg.sent[1].Key != "feedback-57-oc_ops" {
		t.Errorf("Monday with a new verdict: err %v, sends %v", err, msg.sent)
	}
}
