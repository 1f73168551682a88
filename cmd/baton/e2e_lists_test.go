package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPoolListStatesTotalAndPages: with 45 leads waiting, /pool says so ("待认领 45 条，显示最早的 20 条"),
// lists the longest-waiting lead first, and its next-page button walks through the rest.
func TestPoolListStatesTotalAndPages(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	first := b.postLead(map[string]any{"name": "最早的客户", "phone": "13900000000"})
	b.clock.Advance(time.Minute)
	var batch []map[string]any
	for i := 1; i < 45; i++ {
		batch = append(batch, map[string]any{"name": fmt.Sprintf("客户%02d", i), "phone": fmt.Sprintf("139%08d", i)})
	}
	if status, body := b.post("/api/v1/leads/batch", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"leads": batch}); status != 200 {
		t.Fatalf("batch: %d %v", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dm := b.emu.P2PChatID(repID(1))
	if _, err := b.emu.SendText(ctx, dm, repID(1), "/pool"); err != nil {
		t.Fatal(err)
	}
	list := b.waitDMs(repID(1), 1)[0]
	for _, want := range []string{"待认领 45 条，显示最早的 20 条", "45 waiting, showing the oldest 20", "下一页（第 21–40 条）"} {
		if !strings.Contains(list.Content, want) {
			t.Fatalf("/pool card lacks %q:\n%s", want, list.Content)
		}
	}
	if i, j := strings.Index(list.Content, "最早的客户"), strings.Index(list.Content, "客户01"); i < 0 || j < 0 || i > j {
		t.Errorf("/pool does not list the longest-waiting lead (#%d) first", first)
	}
	// The batch is written concurrently, so its leads enter the pool in no fixed order among themselves:
	// the pages are checked to split the 45 leads without overlap, 20, 20 and 5.
	seen := map[string]int{}
	names := regexp.MustCompile(`"zh_cn":"(客户\d\d|最早的客户) ·`)
	onPage := func(page int, content string) int {
		n := 0
		for _, m := range names.FindAllStringSubmatch(content, -1) {
			if prev, dup := seen[m[1]]; dup {
				t.Errorf("%s is on page %d and page %d", m[1], prev, page)
			}
			seen[m[1]] = page
			n++
		}
		return n
	}
	if n := onPage(1, list.Content); n != 20 {
		t.Errorf("page 1 lists %d leads, want 20", n)
	}
	r := b.click(list.ID, "next_page", repID(1))
	if !r.CardUpdated {
		t.Fatalf("next page: card not redrawn: %+v", r)
	}
	page2 := b.message(list.ID).Content
	if !strings.Contains(page2, "45 waiting, showing 21–40") || onPage(2, page2) != 20 {
		t.Fatalf("page 2:\n%s", page2)
	}
	b.click(list.ID, "next_page", repID(1))
	page3 := b.message(list.ID).Content
	if !strings.Contains(page3, "45 waiting, showing 41–45") || onPage(3, page3) != 5 || len(seen) != 45 || strings.Contains(page3, "next_page") {
		t.Fatalf("page 3 (last, without a next button):\n%s", page3)
	}
}
