package crm

import (
	"context"
	"errors"
	"testing"
	"time"
)

type buzzMessenger struct {
	Messenger
	buzzes map[string]int
	fail   int // fail this many Urgent calls first
}

func (m *buzzMessenger) Urgent(_ context.Context, _ string, ids []string) error {
	if m.fail > 0 {
		m.fail--
		return errors.New("lark 503")
	}
	for _, id := range ids {
		m.buzzes[id]++
	}
	return nil
}

type memMarks map[string]bool

func (m memMarks) Seen(_ context.Context, k string) (bool, error) { return m[k], nil }
func (m memMarks) FirstSeen(_ context.Context, k string, _ time.Duration) (bool, error) {
	first := !m[k]
	m[k] = true
	return first, nil
}

// A retried escalation delivery buzzes each manager once; a buzz Lark refused is tried again.
func TestBuzzOnce(t *testing.T) {
	t.Parallel()
	msg := &buzzMessenger{buzzes: map[string]int{}, fail: 1}
	s := &Service{Messenger: msg, Marks: memMarks{}}
	ctx := context.Background()
	if err := s.buzzOnce(ctx, 7, "om_1", "ou_boss"); err == nil {
		t.Fatal("the refused buzz reported success")
	}
	for range 3 { // the retries of a delivery that failed further on, at another manager
		if err := s.buzzOnce(ctx, 7, "om_1", "ou_boss"); err != nil {
			t.Fatal(err)
		}
	}
	if n := msg.buzzes["ou_boss"]; n != 1 {
		t.Fatalf("the manager was buzzed %d times, want once", n)
	}
	if err := s.buzzOnce(ctx, 8, "om_2", "ou_boss"); err != nil || msg.buzzes["ou_boss"] != 2 {
		t.Fatalf("the next escalation's buzz: %v, %d buzzes", err, msg.buzzes["ou_boss"])
	}
}
