package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// fakeLLM is an OpenAI-compatible chat endpoint with recorded answers. It keeps every request body it
// received, so tests can check what left Baton.
type fakeLLM struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
}

var (
	todayInPrompt = regexp.MustCompile(`today is (\d{4}-\d{2}-\d{2})`)
	stageInPrompt = regexp.MustCompile(`stage: one of "([a-z_]+)"`)
)

func newFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(body))
		f.mu.Unlock()
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Messages []struct{ Role, Content string }
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) < 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		system, user := req.Messages[0].Content, req.Messages[1].Content
		var answer string
		switch {
		case strings.HasPrefix(system, "You read text"):
			// The recorded answer copies the placeholders it was given, as the prompt asks.
			answer = `{"name":"王磊","company":"华东精密机械有限公司","title":"采购总监","phone":"[PHONE_1]","email":"[EMAIL_1]"}`
			if !strings.Contains(user, "[PHONE_1]") {
				answer = `{"name":"王磊","company":"","title":"","phone":"","email":""}`
			}
			// With custom fields described, it fills the one it was told about, and one it was not (which
			// Baton must drop: pii fields are never asked for).
			if strings.Contains(system, "- head_count (人数 / Head count): number") {
				answer = strings.TrimSuffix(answer, "}") + `,"fields":{"head_count":"120","wechat":"made-up"}}`
			}
		case strings.HasPrefix(system, "You help a salesperson"):
			day, _ := time.Parse("2006-01-02", todayInPrompt.FindStringSubmatch(system)[1])
			stage := stageInPrompt.FindStringSubmatch(system)[1]
			answer = `{"summary":"客户要企业版报价\n下周三再联系","stage":"` + stage + `","follow_up":"` + day.AddDate(0, 0, 7).Format("2006-01-02") + `"}`
		case strings.HasPrefix(system, "You brief"):
			answer = `{"brief":"老客户：上次要过企业版报价，这次再次来访"}`
		}
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "fake",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}}})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func assistConfig(f *fakeLLM, extra string) string {
	return defaultE2EConfig + "assist: {base_url: \"" + f.srv.URL + "/v1\", model: qwen2.5-14b-instruct, api_key_env: BATON_ASSIST_KEY" + extra + "}\n"
}

// pastedChat is a WeChat conversation a rep pastes after /lead.
const pastedChat = "王磊 10:32\n你好，我是华东精密机械有限公司的王磊\n我电话 139 1234 5678，邮箱 wanglei@hdjm.com.cn"

// contactForms are every way the pasted contacts could have left Baton.
var contactForms = []string{"13912345678", "139 1234 5678", "1391234", "wanglei@hdjm.com.cn", "wanglei", "hdjm.com"}

// waitCard waits for message id's card to contain want and returns it.
func (b *baton) waitCard(id, want string) string {
	b.t.Helper()
	var content string
	b.wait("card with "+want, func() bool {
		content = b.message(id).Content
		return strings.Contains(content, want)
	})
	return content
}

func (b *baton) sayDM(who, text string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(who), who, text); err != nil {
		b.t.Fatal(err)
	}
}

// TestAssistFeaturesAgainstFakeServer: with assist: set, text → lead, note → summary and the returning
// customer's brief go through the model, each offered on a card and applied only by a tap; no phone
// number or email address ever reaches the model (the test fails if one does).
func TestAssistFeaturesAgainstFakeServer(t *testing.T) {
	f := newFakeLLM(t)
	b := startBaton(t, e2eOptions{config: assistConfig(f, ""), env: map[string]string{"BATON_ASSIST_KEY": "sk-test"}})
	rep := repID(1)

	// Text → lead: a placeholder card first, then the proposal; nothing stored before the confirm.
	b.sayDM(rep, "/lead "+pastedChat)
	reply := b.waitDMs(rep, 1)[0]
	card := b.waitCard(reply.ID, "Read by the assistant")
	for _, want := range []string{"王磊", "华东精密机械有限公司", "+8613912345678", "wanglei@hdjm.com.cn", "New customer", "采购总监"} {
		if !strings.Contains(card, want) {
			t.Errorf("proposal card lacks %q: %s", want, tail(card, 1500))
		}
	}
	if code, _ := b.get("/api/v1/leads/1", adminToken); code != http.StatusNotFound {
		t.Fatalf("a lead was stored before the confirm: GET /api/v1/leads/1 = %d", code)
	}
	r := b.click(reply.ID, "lead_submit", rep, larktest.FormValue(map[string]any{"name": "王磊", "phone": "+8613912345678",
		"email": "wanglei@hdjm.com.cn", "company": "华东精密机械有限公司", "title": "采购总监"}))
	if !strings.Contains(toastText(r), "Lead #1 created") {
		t.Fatalf("confirm: %s", toastText(r))
	}

	// Note → summary, stage and follow-up date, each a button.
	owner := b.waitDMWith(rep, "work_submit")
	r = b.click(owner.ID, "work_submit", rep, larktest.FormValue(map[string]any{"note": "客户要企业版报价，电话 13912345678，下周三再联系"}))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save note: %s", toastText(r))
	}
	offer := b.waitDMWith(rep, "Assistant summary")
	if !strings.Contains(offer.Content, "下周三再联系") || !strings.Contains(offer.Content, "as_follow") {
		t.Fatalf("summary card: %s", tail(offer.Content, 1500))
	}
	notes := b.events(1, "note")
	stageBefore := b.lead(1)["stage"]
	if r := b.click(offer.ID, "as_stage", rep); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("apply stage: %s", toastText(r))
	}
	if st := b.lead(1)["stage"]; st == stageBefore {
		t.Errorf("stage still %v after the stage button", st)
	}
	if r := b.click(offer.ID, "as_follow", rep); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("apply follow-up: %s", toastText(r))
	}
	if r := b.click(offer.ID, "assist_submit", rep, larktest.FormValue(map[string]any{"summary": "客户要企业版报价\n下周三再联系"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("add summary: %s", toastText(r))
	}
	if n := b.events(1, "note"); n != notes+1 {
		t.Errorf("notes after the summary's confirm = %d, want %d", n, notes+1)
	}

	// A returning customer: the owner gets a one-line brief.
	if code, _ := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken},
		map[string]any{"name": "王磊", "phone": "13912345678", "note": "又来问价格"}); code != http.StatusCreated {
		t.Fatalf("returning lead: %d", code)
	}
	brief := b.waitDMWith(rep, "Returning customer ·")
	if !strings.Contains(brief.Content, "上次要过企业版报价") {
		t.Fatalf("brief card: %s", tail(brief.Content, 1500))
	}

	got := f.received()
	if len(got) < 3 {
		t.Fatalf("the model got %d requests, want extract, summary and brief", len(got))
	}
	for i, body := range got {
		for _, c := range contactForms {
			if strings.Contains(body, c) {
				t.Errorf("request %d sent %q to the model: %s", i, c, body)
			}
		}
	}
	if !strings.Contains(got[0], "[PHONE_1]") || !strings.Contains(got[0], "[EMAIL_1]") {
		t.Errorf("the extract request has no placeholders: %s", got[0])
	}
	if logs := b.logs.String(); strings.Contains(logs, "wanglei@hdjm.com.cn") || strings.Contains(logs, "13912345678") {
		t.Errorf("a contact reached the logs")
	}
}

// assistFields are custom fields for the assistant tests: a pii WeChat id, a select and a number.
const assistFields = `fields:
  - {key: wechat, label: {zh: 微信号, en: WeChat ID}, type: text, pii: true, card: true}
  - {key: industry, label: {zh: 行业, en: Industry}, type: select, options: [{value: manufacturing, zh: 制造, en: Manufacturing}, {value: retail, zh: 零售, en: Retail}]}
  - {key: head_count, label: {zh: 人数, en: Head count}, type: number}
`

// TestAssistKeepsPIIFieldsFromTheModel: a pii field's value never reaches the model, whether it is in
// pasted text (read by Baton's rules first, then replaced), in a note or in the history a brief is made
// of; the proposal's form carries the custom fields the rules and the model read, and submitting it
// stores them.
func TestAssistKeepsPIIFieldsFromTheModel(t *testing.T) {
	f := newFakeLLM(t)
	b := startBaton(t, e2eOptions{config: assistConfig(f, "") + assistFields, env: map[string]string{"BATON_ASSIST_KEY": "sk-test"}})
	rep := repID(1)
	const wechat = "hdjm_wl88"

	b.sayDM(rep, "/lead 王磊 10:32\n你好，我是华东精密机械有限公司的王磊\n微信号：hdjm_wl88\n行业：制造\n电话 139 1234 5678")
	reply := b.waitDMs(rep, 1)[0]
	card := b.waitCard(reply.ID, "Read by the assistant")
	for _, want := range []string{`"default_value":"hdjm_wl88"`, `"initial_option":"manufacturing"`, `"default_value":"120"`} {
		if !strings.Contains(card, want) {
			t.Errorf("proposal form lacks %s: %s", want, tail(card, 2500))
		}
	}
	if strings.Contains(card, "made-up") {
		t.Errorf("the model's value for a pii field reached the form")
	}
	r := b.click(reply.ID, "lead_submit", rep, larktest.FormValue(map[string]any{"name": "王磊", "phone": "+8613912345678",
		"f_wechat": wechat, "f_industry": "manufacturing", "f_head_count": "120"}))
	if !strings.Contains(toastText(r), "Lead #1 created") {
		t.Fatalf("confirm: %s", toastText(r))
	}
	fields, _ := b.lead(1)["fields"].(map[string]any)
	if fields["wechat"] != wechat || fields["industry"] != "manufacturing" || fields["head_count"] != 120.0 {
		t.Errorf("stored fields = %v", fields)
	}

	owner := b.waitDMWith(rep, "work_submit")
	if r := b.click(owner.ID, "work_submit", rep, larktest.FormValue(map[string]any{"note": "加了微信 hdjm_wl88，客户要企业版报价，下周三再联系"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save note: %s", toastText(r))
	}
	b.waitDMWith(rep, "Assistant summary")
	if code, _ := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken},
		map[string]any{"name": "王磊", "phone": "13912345678", "note": "又来问价格"}); code != http.StatusCreated {
		t.Fatalf("returning lead: %d", code)
	}
	b.waitDMWith(rep, "Returning customer ·")

	got := f.received()
	if len(got) < 3 {
		t.Fatalf("the model got %d requests, want extract, summary and brief", len(got))
	}
	for i, body := range got {
		if strings.Contains(body, wechat) {
			t.Errorf("request %d sent the pii field's value to the model: %s", i, body)
		}
		if !strings.Contains(body, "[PRIVATE_1]") {
			t.Errorf("request %d has no placeholder for the pii value: %s", i, body)
		}
	}
	if !strings.Contains(got[0], "- industry (行业 / Industry): select") || strings.Contains(got[0], "- wechat") {
		t.Errorf("the extract prompt should describe industry and not the pii wechat field: %s", got[0])
	}
}

// TestAssistOffByDefault: without assist: nothing is sent anywhere, and /lead + pasted text is read by
// Baton's own extractor into a proposal with the dedupe result; the one-line /lead still enters at once.
func TestAssistOffByDefault(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	rep := repID(1)
	b.sayDM(rep, "/lead "+pastedChat)
	card := b.waitDMs(rep, 1)[0].Content
	for _, want := range []string{"Read by Baton's own rules", "王磊", "华东精密机械有限公司", "+8613912345678", "wanglei@hdjm.com.cn", "New customer"} {
		if !strings.Contains(card, want) {
			t.Errorf("proposal lacks %q: %s", want, tail(card, 1500))
		}
	}
	if code, _ := b.get("/api/v1/leads/1", adminToken); code != http.StatusNotFound {
		t.Fatalf("a lead was stored before the confirm: %d", code)
	}
	r := b.click(b.waitDMs(rep, 1)[0].ID, "lead_submit", rep, larktest.FormValue(map[string]any{"name": "王磊", "phone": "+8613912345678"}))
	if !strings.Contains(toastText(r), "Lead #1 created") {
		t.Fatalf("confirm: %s", toastText(r))
	}
	// The same customer pasted again: the proposal says so before anything is stored.
	b.sayDM(rep, "/lead 王磊\n电话 13912345678")
	again := b.waitDMWith(rep, "Returning customer")
	if !strings.Contains(again.Content, "lead #1") {
		t.Errorf("dedupe result without the lead: %s", tail(again.Content, 1500))
	}
	b.sayDM(rep, "/lead 周九 13300133000 想了解企业版")
	b.waitDMWith(rep, "Lead #2 created")
	if strings.Contains(b.logs.String(), "assistant on") {
		t.Errorf("the assistant is on without assist:")
	}
}

// TestAssistBudgetSurvivesRestart: once the day's budget is spent, text → lead says so on the card and
// falls back to Baton's own extractor, a saved note gets a card saying no summary was made, and a restart
// does not reset the count.
func TestAssistBudgetSurvivesRestart(t *testing.T) {
	f := newFakeLLM(t)
	b := startBaton(t, e2eOptions{config: assistConfig(f, ", daily_budget: 1, allow: [extract, summary]")})
	rep := repID(1)
	b.sayDM(rep, "/lead "+pastedChat)
	b.waitCard(b.waitDMs(rep, 1)[0].ID, "Read by the assistant")
	b.sayDM(rep, "/lead 王磊\n电话 13912345678")
	card := b.waitCard(b.waitDMs(rep, 2)[1].ID, "budget is spent")
	if !strings.Contains(card, "王磊") || !strings.Contains(card, "+8613912345678") {
		t.Errorf("the fallback proposal lacks the contact: %s", tail(card, 1500))
	}
	b.stop()
	b.start()
	b.sayDM(rep, "/lead 李娜\n手机 18628001234")
	third := b.waitDMs(rep, 3)[2]
	b.waitCard(third.ID, "budget is spent")
	if r := b.click(third.ID, "lead_submit", rep, larktest.FormValue(map[string]any{"name": "李娜", "phone": "18628001234"})); !strings.Contains(toastText(r), "created") {
		t.Fatalf("confirm the fallback proposal: %s", toastText(r))
	}
	owner := b.waitDMWith(rep, "work_submit")
	if r := b.click(owner.ID, "work_submit", rep, larktest.FormValue(map[string]any{"note": "下周回电"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save note: %s", toastText(r))
	}
	if c := b.waitDMWith(rep, "No summary").Content; !strings.Contains(c, "budget is spent") {
		t.Errorf("the no-summary card does not say why: %s", tail(c, 1000))
	}
	if n := len(f.received()); n != 1 {
		t.Errorf("the model got %d requests, want 1 (the budget)", n)
	}
}
