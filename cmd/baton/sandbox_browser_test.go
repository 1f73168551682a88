package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// lockedBuffer collects the server's log lines from many goroutines, to print when the test fails.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveSandbox runs `baton serve` in sandbox mode (no Lark app, SQLite, in-process Redis) and returns its
// base URL; the server stops when the test ends.
func serveSandbox(t *testing.T) string {
	t.Helper()
	env := map[string]string{"BATON_DATA_DIR": t.TempDir(), "BATON_HTTP_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs := &lockedBuffer{}
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, logs,
			&Hooks{Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case code := <-done:
		t.Fatalf("baton serve exited with %d before listening:\n%s", code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("baton serve did not start in 30 s:\n%s", logs.String())
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile; the returned context drives one tab.
func newBrowser(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 960),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-default-browser-check", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first run starts the browser; it must not carry a per-step timeout, which would stop the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Page errors and console output explain most failures of a browser test; keep them for the log.
	console := &lockedBuffer{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			fmt.Fprintln(console, m.String())
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser console:\n%s", console.String())
		}
	})
	return ctx
}

func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (apt-get install -y chromium): the console browser test must run in CI", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the console browser test", chromiumPath)
	}
}

func consoleConfig(t *testing.T, base string) map[string]any {
	t.Helper()
	res, err := http.Get(base + "/sandbox/config.json")
	if err != nil {
		t.Fatalf("get config.json: %v", err)
	}
	defer res.Body.Close()
	var cfg map[string]any
	if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil {
		t.Fatalf("decode config.json: %v", err)
	}
	return cfg
}

// step runs browser actions, failing the test with what was being attempted.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// result runs one browser action that returns a value.
func result[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitText waits until the text of the first element matching sel contains want.
func waitText(t *testing.T, ctx context.Context, what, sel, want string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const n = document.querySelector(%q); return !!n && n.textContent.includes(%q); })()`, sel, want)
	step(t, ctx, what, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// clickNow finds and clicks the element in one step inside the page. The chat list is redrawn whenever a
// message arrives, so a node found by one DevTools call can be gone by the next (chromedp.Click's
// "Could not find node with given id").
func clickNow(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const n = document.querySelector(%q);
		if (!n) { throw new Error("nothing matches " + %q); } n.click(); })()`, sel, sel))
}

// pick sets a <select>'s value and fires change, as choosing with the mouse does.
func pick(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// TestSandboxConsoleInBrowser walks a first-time user through the console in a real browser: a demo lead
// arrives in the sales group, rep 2 claims it, sees the full contact in the DM, sets a stage, and reads the
// cards in English. It ends with the screenshot used in the docs.
func TestSandboxConsoleInBrowser(t *testing.T) {
	requireChromium(t)
	base := serveSandbox(t)
	cfg := consoleConfig(t, base)
	dms, _ := cfg["dm_chats"].(map[string]any)
	rep2DM, _ := dms["ou_rep_li"].(string)
	if rep2DM == "" {
		t.Fatalf("config.json has no DM chat for rep 2: %v", cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx = newBrowser(t, ctx)

	sales := `.chat[data-chat-id="oc_demo_sales"]`
	step(t, ctx, "open the console",
		chromedp.EmulateViewport(1280, 960),
		chromedp.Navigate(base+"/sandbox/"),
		chromedp.WaitVisible(chromedp.CSS(sales)),
		chromedp.WaitReady(chromedp.CSS(`#persona option[value="ou_rep_li"]`)),
	)
	waitText(t, ctx, "live updates connect", "#live", "实时")
	t.Run("golden cards", func(t *testing.T) { testGoldenCards(t, ctx) })
	t.Run("components", func(t *testing.T) { testComponents(t, ctx) })
	t.Run("interactions", func(t *testing.T) { testInteractions(t, ctx) })

	step(t, ctx, "ask the bot for the pool in the group",
		chromedp.SendKeys(chromedp.CSS("#text"), "/pool"),
		chromedp.Click(chromedp.CSS(`#composer button[type="submit"]`)))
	waitText(t, ctx, "the message went out mentioning the bot", "#messages .msg.own .bubble", "@Baton 接力 /pool")
	waitText(t, ctx, "the bot answers with the empty pool", "#messages .msg.bot .card", "暂无线索")

	waitText(t, ctx, "the console names the team's time zone", "#zone", "Asia/Shanghai")
	step(t, ctx, "post a demo lead", chromedp.Click(chromedp.CSS("#demo-lead")))
	waitText(t, ctx, "the intake toast", ".toasts", "已提交演示线索")
	waitText(t, ctx, "the intake toast says what happened in Chinese", ".toasts", "（新线索）")
	step(t, ctx, "the pool card arrives in the sales chat",
		chromedp.WaitVisible(chromedp.CSS(`.msg.bot .card button[data-target="claim"]`)))
	waitText(t, ctx, "the pool card is a new lead", "#messages .msg:last-child .card .chead", "新线索")

	step(t, ctx, "switch to rep 2", pick("#persona", "ou_rep_li"))
	waitText(t, ctx, "the sales chat is open for rep 2", "#chat-title", "华东销售群")
	step(t, ctx, "claim as rep 2", chromedp.Click(chromedp.CSS(`.msg.bot .card button[data-target="claim"]`)))
	waitText(t, ctx, "the claim toast", ".toasts", "认领成功")
	waitText(t, ctx, "the shared card names rep 2 as owner", "#messages .msg:last-child .card", "@李娜")
	claimable := result(t, ctx, "count claim buttons",
		chromedp.Evaluate[int](`document.querySelectorAll('.msg.bot .card button[data-target="claim"]').length`))
	if claimable != 0 {
		t.Errorf("the claimed card still offers %d claim buttons", claimable)
	}

	dm := fmt.Sprintf(`.chat[data-chat-id=%q]`, rep2DM)
	step(t, ctx, "rep 2's DM shows an unread dot", chromedp.WaitVisible(chromedp.CSS(dm+" .dot")))
	step(t, ctx, "open rep 2's DM", clickNow(dm),
		chromedp.WaitVisible(chromedp.CSS(`.msg.bot .card select[name="stage"]`)))
	owner := result(t, ctx, "read the owner card", chromedp.TextContent(chromedp.CSS(".msg.bot .card")))
	if !regexp.MustCompile(`电话：1[3-9]\d \d{4} \d{4}`).MatchString(owner) {
		t.Errorf("the owner card does not show the full phone number:\n%s", owner)
	}

	step(t, ctx, "set the stage, write a follow-up note and save",
		pick(`.msg.bot .card select[name="stage"]`, "contacted"),
		chromedp.SendKeys(chromedp.CSS(`.msg.bot .card textarea[name="note"]`), "已电话沟通，下周二安排产品演示"),
		chromedp.Click(chromedp.CSS(`.msg.bot .card button[data-target="save"]`)))
	waitText(t, ctx, "the save toast", ".toasts", "已保存")
	waitText(t, ctx, "the owner card shows the new stage", ".msg.bot .card", "阶段：已联系")
	waitText(t, ctx, "the owner card shows the note (跟进记录)", ".msg.bot .card", "已电话沟通，下周二安排产品演示")

	step(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")))
	waitText(t, ctx, "the owner card speaks English", ".msg.bot .card", "Stage: Contacted")
	waitText(t, ctx, "the console speaks English", "#demo-lead", "New demo lead")
	waitText(t, ctx, "the save button speaks English", `.msg.bot .card button[data-target="save"]`, "Save")

	step(t, ctx, "back to Chinese and the sales chat for the picture",
		chromedp.Click(chromedp.CSS("#lang")), chromedp.Click(chromedp.CSS(sales)),
		chromedp.Click(chromedp.CSS("#demo-lead")))
	step(t, ctx, "the second lead arrives",
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#messages .msg.bot .card button[data-target="claim"]').length === 1`))

	// The manager's view for the picture: /team in the group, one line per rep.
	step(t, ctx, "switch to the manager", pick("#persona", "ou_mgr_liu"))
	waitText(t, ctx, "the sales chat is open for the manager", "#chat-title", "华东销售群")
	step(t, ctx, "ask for /team",
		chromedp.SendKeys(chromedp.CSS("#text"), "/team"),
		chromedp.Click(chromedp.CSS(`#composer button[type="submit"]`)))
	waitText(t, ctx, "the team card names rep 2", "#messages .msg:last-child .card", "李娜")
	saveScreenshot(t, ctx)

	// The chat list slides away in 0.2 s; give it a second.
	step(t, ctx, "on a phone-width screen the chat list folds away", chromedp.EmulateViewport(390, 800),
		chromedp.Poll[chromedp.Void](sidebarHidden, chromedp.WithPollingTimeout(time.Second)))
	step(t, ctx, "open the chat list on the phone", chromedp.Click(chromedp.CSS("#menu")),
		chromedp.Poll[chromedp.Void](`!(`+sidebarHidden+`)`))
}

// sidebarHidden is true when the chat list is off screen.
const sidebarHidden = `document.getElementById('sidebar').getBoundingClientRect().right <= 1`

func saveScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	step(t, ctx, "let the toasts fade", chromedp.Poll[chromedp.Void](`document.querySelectorAll('.toast').length === 0`))
	png := result(t, ctx, "take the screenshot", chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "..", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create docs dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sandbox.png"), png, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
}

// rendered is what the console's renderer made of a card.
type rendered struct {
	Text    string   `json:"text"`
	Unknown []string `json:"unknown"`
	Charts  []string `json:"charts"`
	Panels  int      `json:"panels"`
	Links   []string `json:"links"`
	Images  int      `json:"images"`
}

func preview(t *testing.T, ctx context.Context, card []byte, lang string) rendered {
	t.Helper()
	js := fmt.Sprintf(`(() => { const n = window.baton.preview(%s, %q);
		return { text: n.textContent,
			unknown: [...n.querySelectorAll('.unknown')].map((u) => u.dataset.tag),
			charts: [...n.querySelectorAll('svg.chart')].map((c) => c.dataset.chart + ':' + c.querySelectorAll('rect,path,polyline').length),
			panels: n.querySelectorAll('details.panel').length,
			links: [...n.querySelectorAll('a')].map((a) => a.href),
			images: n.querySelectorAll('img').length }; })()`, card, lang)
	return result(t, ctx, "render a card", chromedp.Evaluate[rendered](js))
}

// cardTexts lists the header title and the button labels of a card in one language: text a reader must
// find in the rendering.
func cardTexts(card map[string]any, lang string) []string {
	pickText := func(t any) string {
		m, _ := t.(map[string]any)
		i18n, _ := m["i18n_content"].(map[string]any)
		s, _ := i18n[lang].(string)
		return s
	}
	var out []string
	if hd, ok := card["header"].(map[string]any); ok {
		out = append(out, pickText(hd["title"]))
	}
	var walk func(any)
	walk = func(node any) {
		switch v := node.(type) {
		case map[string]any:
			if v["tag"] == "button" {
				out = append(out, pickText(v["text"]))
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(card["body"])
	return out
}

func testGoldenCards(t *testing.T, ctx context.Context) {
	files, err := filepath.Glob(filepath.Join("..", "..", "cards", "testdata", "*.golden.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cards found (%v)", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var card map[string]any
		if err := json.Unmarshal(raw, &card); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, lang := range []string{"zh_cn", "en_us"} {
			r := preview(t, ctx, raw, lang)
			if len(r.Unknown) > 0 {
				t.Errorf("%s (%s): components rendered as unsupported: %v", filepath.Base(f), lang, r.Unknown)
			}
			for _, w := range cardTexts(card, lang) {
				if !strings.Contains(r.Text, w) {
					t.Errorf("%s (%s): rendered card lacks %q", filepath.Base(f), lang, w)
				}
			}
		}
	}
}

// componentCard holds what no golden card has yet: charts in every shape, a collapsible panel, a
// component the console does not know, and hostile markdown.
const componentCard = `{"schema":"2.0","header":{"title":{"tag":"plain_text","content":"周报"},"template":"violet"},
"body":{"elements":[
 {"tag":"chart","chart_spec":{"type":"bar","data":{"values":[{"src":"百度","model":"首次触达","n":5},{"src":"百度","model":"末次触达","n":3},{"src":"王小明","model":"首次触达","n":2},{"src":"王小明","model":"末次触达","n":4}]},"xField":["src","model"],"yField":"n","seriesField":"model"}},
 {"tag":"chart","chart_spec":{"type":"line","data":[{"id":"d","values":[{"day":"周一","n":2,"s":"新线索"},{"day":"周二","n":4,"s":"新线索"},{"day":"周一","n":1,"s":"赢单"},{"day":"周二","n":2,"s":"赢单"}]}],"xField":"day","yField":"n","seriesField":"s"}},
 {"tag":"chart","chart_spec":{"type":"pie","data":{"values":[{"src":"百度","v":6},{"src":"抖音","v":4}]},"categoryField":"src","valueField":"v"}},
 {"tag":"chart","chart_spec":{"type":"funnel","data":{"values":[{"stage":"新线索","v":100},{"stage":"已联系","v":60},{"stage":"赢单","v":12}]},"categoryField":"stage","valueField":"v"}},
 {"tag":"collapsible_panel","expanded":false,"header":{"title":{"tag":"markdown","content":"**明细**"}},"elements":[{"tag":"markdown","content":"- 第一条\n- 第二条"}]},
 {"tag":"audio","file_key":"x"},
 {"tag":"markdown","content":"<img src=x onerror=alert(1)> [点我](javascript:alert(1)) [官网](https://example.com)"}
]}}`

func testComponents(t *testing.T, ctx context.Context) {
	r := preview(t, ctx, []byte(componentCard), "zh_cn")
	if len(r.Charts) != 4 {
		t.Fatalf("charts rendered: %v, want bar, line, pie and funnel", r.Charts)
	}
	for i, kind := range []string{"bar", "line", "pie", "funnel"} {
		if !strings.HasPrefix(r.Charts[i], kind+":") || strings.HasSuffix(r.Charts[i], ":0") {
			t.Errorf("chart %d = %q, want a %s chart with shapes", i, r.Charts[i], kind)
		}
	}
	if r.Charts[0] != "bar:6" {
		t.Errorf("grouped bar chart drew %q, want 4 bars and 2 legend keys (bar:6)", r.Charts[0])
	}
	for _, label := range []string{"王小明", "末次触达", "赢单", "百度", "已联系", "明细", "第二条"} {
		if !strings.Contains(r.Text, label) {
			t.Errorf("rendered components lack %q", label)
		}
	}
	if r.Panels != 1 {
		t.Errorf("collapsible panels: %d, want 1", r.Panels)
	}
	if len(r.Unknown) != 1 || r.Unknown[0] != "audio" {
		t.Errorf("unknown components shown: %v, want [audio]", r.Unknown)
	}
	if r.Images != 0 || !strings.Contains(r.Text, "<img src=x") {
		t.Errorf("markdown HTML was not kept as text: %d images, text %q", r.Images, r.Text)
	}
	if len(r.Links) != 1 || r.Links[0] != "https://example.com/" {
		t.Errorf("links %v, want only the https one", r.Links)
	}
}

// golden reads one of the cards package's golden cards.
func golden(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "cards", "testdata", name+".golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// mount renders a card into the page with a recording act, so the test can interact with it as a user.
func mount(t *testing.T, ctx context.Context, card string) {
	t.Helper()
	step(t, ctx, "mount a card", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		if (window.__t) window.__t.node.remove();
		const acts = [];
		const node = window.baton.preview(%s, 'zh_cn', async (req) => { acts.push(req); });
		node.id = 'under-test';
		document.body.appendChild(node);
		window.__t = { acts, node };
	})()`, card)))
}

func acts(t *testing.T, ctx context.Context) []map[string]any {
	t.Helper()
	return result(t, ctx, "read the clicks", chromedp.Evaluate[[]map[string]any](`window.__t.acts`))
}

func jsClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

func testInteractions(t *testing.T, ctx context.Context) {
	mount(t, ctx, golden(t, "pool_new"))
	step(t, ctx, "claim", jsClick(`#under-test button[data-target="claim"]`))
	if got := acts(t, ctx); len(got) != 1 || got[0]["target"] != "claim" || len(got[0]) != 1 {
		t.Errorf("claim click sent %v, want one {target: claim}", got)
	}

	mount(t, ctx, golden(t, "event_escalated_owner"))
	step(t, ctx, "reassign with the person picker", pick(`#under-test select[name="reassign"]`, "ou_rep2"))
	if got := acts(t, ctx); len(got) != 1 || got[0]["target"] != "reassign" || got[0]["option"] != "ou_rep2" {
		t.Errorf("person picker sent %v, want {target: reassign, option: ou_rep2}", got)
	}

	mount(t, ctx, golden(t, "owner_open"))
	step(t, ctx, "picking a stage inside a form does not call the bot", pick(`#under-test select[name="stage"]`, "qualified"))
	if got := acts(t, ctx); len(got) != 0 {
		t.Errorf("a form field fired on change: %v", got)
	}
	step(t, ctx, "save the work form", jsClick(`#under-test button[data-target="save"]`))
	got := acts(t, ctx)
	if len(got) != 1 || got[0]["target"] != "save" {
		t.Fatalf("save sent %v, want one {target: save, form_value}", got)
	}
	fv, _ := got[0]["form_value"].(map[string]any)
	if fv["stage"] != "qualified" || !strings.HasPrefix(fmt.Sprint(fv["followup"]), "2026-11-30 ") || fv["note"] != nil {
		t.Errorf("save form_value %v, want stage qualified, the initial follow-up date with its zone, no empty note", fv)
	}

	step(t, ctx, "close without the required outcome", jsClick(`#under-test button[data-target="close"]`))
	waitText(t, ctx, "the client blocks the submit", ".toasts", "请填写必填项")
	if got := acts(t, ctx); len(got) != 1 {
		t.Errorf("a submit with a required field empty reached the bot: %v", got[1:])
	}
	// The close form has no client-side dialog (Baton checks the form, then asks on a card of its own).
	step(t, ctx, "close as won submits the form",
		pick(`#under-test select[name="outcome"]`, "won"),
		jsClick(`#under-test button[data-target="close"]`),
		chromedp.Poll[chromedp.Void](`window.__t.acts.length === 2`))
	got = acts(t, ctx)
	if fv, _ := got[1]["form_value"].(map[string]any); got[1]["target"] != "close" || fv["outcome"] != "won" {
		t.Errorf("close sent %v, want {target: close, form_value: {outcome: won}}", got[1])
	}
	step(t, ctx, "release asks to confirm",
		jsClick(`#under-test button[data-target="release"]`),
		chromedp.WaitVisible(chromedp.CSS(`#confirm[open]`)))
	waitText(t, ctx, "the confirm dialog shows the card's question", "#confirm-title", "确认释放？")
	step(t, ctx, "confirm", jsClick(`#confirm button[value="ok"]`),
		chromedp.Poll[chromedp.Void](`window.__t.acts.length === 3`))
	if got = acts(t, ctx); got[2]["target"] != "release" {
		t.Errorf("the confirmed release sent %v, want {target: release}", got[2])
	}
	step(t, ctx, "unmount", chromedp.Evaluate[chromedp.Void](`window.__t.node.remove()`))
}
