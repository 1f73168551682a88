package crm

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBuildHistory(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	min := func(n int) time.Time { return at.Add(time.Duration(n) * time.Minute) }
	touches := []Touch{
		{ID: 10, Source: "web-form", Note: "想了解企业版", CreatedAt: min(0)},
		{ID: 11, Source: ChatSource, Note: "展会上聊过，想要报价", AuthorID: "ou_rep1", CreatedAt: min(30)},
	}
	ev := func(id int64, kind EventKind, actor string, m int, kv ...string) LeadEvent {
		e := NewEvent(kind, actor, min(m), kv...)
		e.ID = id
		return e
	}
	timeline := []LeadEvent{
		ev(1, EventCreated, "", 0, "source", "web-form"),
		ev(2, EventPosted, "", 0),
		ev(3, EventClaimed, "ou_rep1", 5),
		ev(4, EventPhoneRevealed, "ou_rep1", 5, "via", "owner_card"),
		ev(5, EventReminded, "", 10),
		ev(6, EventNote, "ou_rep1", 20, "text", "电话沟通"),
		ev(7, EventNote, "ou_rep1", 21), // erased: no text left
		ev(8, EventTouch, "ou_rep1", 30, "source", ChatSource, "touch", "11"),
		ev(9, EventFeedback, "ou_rep1", 40, "quality", "good_fit"),
		ev(10, EventFeedback, "ou_rep1", 41, "quality", "no_budget"),
	}
	h := BuildHistory(timeline, touches)
	var got []string
	for _, e := range h {
		got = append(got, string(e.Kind)+"|"+e.ActorID+"|"+e.Text)
	}
	want := []string{
		"feedback|ou_rep1|", "feedback|ou_rep1|", "touch|ou_rep1|展会上聊过，想要报价", "note|ou_rep1|电话沟通",
		"phone_revealed|ou_rep1|", "claimed|ou_rep1|", "created||想了解企业版",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if q, ok := LatestQuality(h); !ok || q.Data["quality"] != "no_budget" {
		t.Errorf("latest quality = %v, %v; want no_budget", q.Data, ok)
	}
	if n := len(Notes(h)); n != 3 {
		t.Errorf("notes = %d, want 3 (the rep's note, the touch's note, the intake note)", n)
	}
	if _, ok := LatestQuality(nil); ok {
		t.Error("an empty history has a verdict")
	}
}

func TestCanSeeHistory(t *testing.T) {
	t.Parallel()
	pool := &Pool{Key: "east", Managers: []string{"ou_mgr"}}
	owned := &Lead{ID: 7, OwnerID: "ou_rep2", PrevOwnerID: "ou_rep1"}
	pooled := &Lead{ID: 8, PrevOwnerID: "ou_rep1"}
	for _, tc := range []struct {
		name   string
		l      *Lead
		viewer string
		masked bool
		code   string
	}{
		{"owner reads as written", owned, "ou_rep2", false, ""},
		{"manager reads masked", owned, "ou_mgr", true, ""},
		{"manager of a pooled lead", pooled, "ou_mgr", true, ""},
		{"former owner is refused", owned, "ou_rep1", false, EFORBIDDEN},
		{"another rep is refused", owned, "ou_rep3", false, EFORBIDDEN},
		{"nobody owns a pooled lead", pooled, "ou_rep1", false, EFORBIDDEN},
		{"no viewer", owned, "", false, EFORBIDDEN},
	} {
		masked, err := CanSeeHistory(pool, tc.l, tc.viewer)
		if ErrorCode(err) != tc.code && !(err == nil && tc.code == "") {
			t.Errorf("%s: error %v, want code %q", tc.name, err, tc.code)
		}
		if masked != tc.masked {
			t.Errorf("%s: masked = %v, want %v", tc.name, masked, tc.masked)
		}
		if err != nil {
			if en, zh := ErrorMessage(err); en == "" || zh == "" || zh == en {
				t.Errorf("%s: refusal is not bilingual: %q / %q", tc.name, zh, en)
			}
		}
	}
}

func TestMaskContacts(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"客户换号了 13912345678，晚上打":          "客户换号了 139****5678，晚上打",
		"call +86 139-1234-5678 tonight": "call 139****5678 tonight",
		"座机 021 6123 4567":               "座机 021****4567",
		"分机 6123 4567":                   "分机 ****4567",
		"全角１３９１２３４５６７８":                  "全角139****5678",
		"mail zhang.san@example.com":     "mail " + MaskEmail("zhang.san@example.com"),
		"2026-12-04 回访，报价 50000 元":       "2026-12-04 回访，报价 50000 元",
		"":                               "",
	} {
		if got := MaskContacts(in); got != want {
			t.Errorf("MaskContacts(%q) = %q, want %q", in, got, want)
		}
	}
}
