package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/handlers"
)

const (
	jdySecret      = "jdy-push-secret-0123"
	partnerToken   = "tok-partner-0123456789"
	partnerSecret  = "partner-hmac-secret"
	jdyFieldsYAML  = "{name: _widget_1001, phone: _widget_1002, company: _widget_1003, campaign: _widget_1004, region: _widget_1005, tags: _widget_1006}"
	pushE2EConfigs = `
  - key: jdy-leads
    kind: jiandaoyun
    secret: "` + jdySecret + `"
    fields: ` + jdyFieldsYAML + `
  - key: partner
    kind: webhook
    token: "` + partnerToken + `"
    secret: "` + partnerSecret + `"
    fields: {external_id: id, name: contact.name, phone: contact.mobile, campaign: utm.campaign, utm.source: utm.source}
`
)

// pushConfig is the e2e tenant with the push sources added.
func pushConfig(t testing.TB) string {
	cfg := strings.Replace(defaultE2EConfig, "sources:\n", "sources:"+pushE2EConfigs, 1)
	if cfg == defaultE2EConfig {
		t.Fatal("the e2e config no longer has a sources: section to extend")
	}
	return cfg
}

func pushSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "push", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jdyPush is one 简道云 delivery as the platform sends it.
type jdyPush struct {
	body      []byte
	deliverID string
	at        time.Time // signed timestamp
	secret    string    // signing secret; the source's when empty
}

// pushJDY signs and sends a 简道云 data push to the source and returns the status and decoded answer.
func (b *baton) pushJDY(source string, p jdyPush) (int, map[string]any) {
	b.t.Helper()
	if p.at.IsZero() {
		p.at = b.clock.Now()
	}
	if p.secret == "" {
		p.secret = jdySecret
	}
	ts := strconv.FormatInt(p.at.Unix(), 10)
	nonce := fmt.Sprintf("n%x", p.at.UnixNano())
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}}
	req, _ := http.NewRequest("POST", b.base+"/api/v1/push/"+source+"?"+q.Encode(), bytes.NewReader(p.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-JDY-Signature", handlers.JiandaoyunSignature(nonce, p.body, p.secret, ts))
	if p.deliverID != "" {
		req.Header.Set("X-JDY-DeliverId", p.deliverID)
	}
	return b.do(req)
}

// withRecord rewrites a sample body's record id and phone, for a second, different submission.
func withRecord(body []byte, id, phone string) []byte {
	s := strings.Replace(string(body), "6751a0c2e4b0f5a1c2d3e4f5", id, 1)
	return []byte(strings.Replace(s, "13800138000", phone, 1))
}

func leadID(t testing.TB, body map[string]any) int64 {
	t.Helper()
	id, ok := body["id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("answer has no lead id: %v", body)
	}
	return int64(id)
}

// TestPushJiandaoyunLeadAndCard: a signed 简道云 data_create becomes a lead under the field map (address and
// checkbox widgets flattened), its pool card goes to the sales chat, a data_update of the same record
// updates that lead, and a data_remove is acknowledged without touching it.
func TestPushJiandaoyunLeadAndCard(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	status, body := b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_create.json"), deliverID: "d-create-1"})
	if status != http.StatusCreated || body["status"] != "created" {
		t.Fatalf("data_create: %d %v", status, body)
	}
	id := leadID(t, body)

	card := b.waitCards(salesChat, 1)[0]
	for _, want := range []string{"李雷", "138****8000", "示例科技有限公司"} {
		if !strings.Contains(card.Content, want) {
			t.Errorf("pool card lacks %q: %s", want, card.Content)
		}
	}
	if strings.Contains(card.Content, "13800138000") {
		t.Errorf("pool card shows the full phone")
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	cust, _ := detail["customer"].(map[string]any)
	if detail["source"] != "jdy-leads" || detail["campaign"] != "双11大促" || cust["name"] != "李雷" ||
		cust["phone"] != "+8613800138000" || cust["region"] != "江苏省 无锡市 梁溪区 清扬路138号茂业天地" {
		t.Errorf("mapped lead: source %v campaign %v customer %v", detail["source"], detail["campaign"], cust)
	}
	if tags := fmt.Sprint(detail["tags"]); tags != "[产品演示 报价]" {
		t.Errorf("tags from the checkbox widget = %s, want [产品演示 报价]", tags)
	}
	touches, _ := detail["touches"].([]any)
	if len(touches) != 1 || touches[0].(map[string]any)["external_id"] != "6751a0c2e4b0f5a1c2d3e4f5" {
		t.Errorf("touches = %v, want one carrying the record's _id", touches)
	}

	status, body = b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_update.json"), deliverID: "d-update-1"})
	if status != http.StatusOK || body["status"] != "updated" || leadID(t, body) != id {
		t.Fatalf("data_update: %d %v", status, body)
	}
	_, detail = b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["campaign"] != "年终大促" || !hasEvent(detail, "source_updated") {
		t.Errorf("after data_update: campaign %v, timeline %v", detail["campaign"], detail["timeline"])
	}
	if tags := fmt.Sprint(detail["tags"]); tags != "[产品演示 报价 试用]" {
		t.Errorf("tags after data_update = %s", tags)
	}

	status, body = b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_remove.json"), deliverID: "d-remove-1"})
	if status != http.StatusOK || body["status"] != "ignored" {
		t.Fatalf("data_remove: %d %v", status, body)
	}
	_, detail = b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["stage"] != "new" || detail["campaign"] != "年终大促" {
		t.Errorf("data_remove changed the lead: %v", detail)
	}
}

// TestPushJiandaoyunRefusesBadSignatures: a wrong signature, a stale or future timestamp and missing query
// parameters are 401 and store nothing (the same record is still new afterwards).
func TestPushJiandaoyunRefusesBadSignatures(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	create := pushSample(t, "jiandaoyun/data_create.json")
	now := b.clock.Now()
	for name, p := range map[string]jdyPush{
		"wrong secret":       {body: create, secret: "not-the-secret"},
		"stale timestamp":    {body: create, at: now.Add(-6 * time.Minute)},
		"future timestamp":   {body: create, at: now.Add(6 * time.Minute)},
		"body changed after": {body: append(bytes.Clone(create), ' ')},
	} {
		if name == "body changed after" {
			// Sign the original body, send a different one.
			ts := strconv.FormatInt(now.Unix(), 10)
			req, _ := http.NewRequest("POST", b.base+"/api/v1/push/jdy-leads?timestamp="+ts+"&nonce=abc", bytes.NewReader(p.body))
			req.Header.Set("X-JDY-Signature", handlers.JiandaoyunSignature("abc", create, jdySecret, ts))
			if status, body := b.do(req); status != http.StatusUnauthorized {
				t.Errorf("%s: %d %v, want 401", name, status, body)
			}
			continue
		}
		if status, body := b.pushJDY("jdy-leads", p); status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", name, status, body)
		}
	}
	req, _ := http.NewRequest("POST", b.base+"/api/v1/push/jdy-leads", bytes.NewReader(create))
	req.Header.Set("X-JDY-Signature", handlers.JiandaoyunSignature("", create, jdySecret, ""))
	if status, _ := b.do(req); status != http.StatusUnauthorized {
		t.Errorf("no nonce or timestamp: %d, want 401", status)
	}
	// Inside the window is fine, and the record was not stored by any refused attempt.
	status, body := b.pushJDY("jdy-leads", jdyPush{body: create, at: now.Add(-4 * time.Minute)})
	if status != http.StatusCreated || body["status"] != "created" {
		t.Fatalf("valid push after the refusals: %d %v", status, body)
	}
}

// TestPushJiandaoyunDeliverIDOnce: a repeated delivery makes one lead (a create is keyed by the record's
// _id), and a data_update whose X-JDY-DeliverId was already handled is answered 2xx and not applied again,
// even when the body differs.
func TestPushJiandaoyunDeliverIDOnce(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	create := pushSample(t, "jiandaoyun/data_create.json")
	status, body := b.pushJDY("jdy-leads", jdyPush{body: create, deliverID: "deliver-42"})
	if status != http.StatusCreated {
		t.Fatalf("first delivery: %d %v", status, body)
	}
	id := leadID(t, body)
	status, body = b.pushJDY("jdy-leads", jdyPush{body: create, deliverID: "deliver-42"})
	if status != http.StatusOK || body["status"] != "exists" || leadID(t, body) != id {
		t.Errorf("repeat of deliver-42: %d %v, want 200 exists on lead %d", status, body, id)
	}

	update := pushSample(t, "jiandaoyun/data_update.json")
	if status, body := b.pushJDY("jdy-leads", jdyPush{body: update, deliverID: "deliver-43"}); body["status"] != "updated" {
		t.Fatalf("data_update: %d %v", status, body)
	}
	other := []byte(strings.Replace(string(update), "年终大促", "春季促销", 1))
	status, body = b.pushJDY("jdy-leads", jdyPush{body: other, deliverID: "deliver-43"})
	if status != http.StatusOK || body["status"] != "duplicate" {
		t.Errorf("repeat of deliver-43: %d %v, want 200 duplicate", status, body)
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["campaign"] != "年终大促" {
		t.Errorf("campaign = %v: the repeated delivery was applied", detail["campaign"])
	}
	// The same change under a fresh delivery id is applied.
	if status, body := b.pushJDY("jdy-leads", jdyPush{body: other, deliverID: "deliver-44"}); body["status"] != "updated" {
		t.Errorf("fresh delivery: %d %v", status, body)
	}
	if n := len(b.waitCards(salesChat, 1)); n != 1 {
		t.Errorf("%d pool cards, want 1", n)
	}
}

// TestPushJiandaoyunRejectsInvalidRecord: a record that fails validation is answered 2xx (简道云 would
// otherwise retry it), stored nowhere but the dead-letter table, and listed by `baton sources rejects`.
func TestPushJiandaoyunRejectsInvalidRecord(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	status, body := b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_create_invalid.json"), deliverID: "d-bad-1"})
	if status != http.StatusOK || body["status"] != "rejected" || body["field"] != "phone" {
		t.Fatalf("invalid record: %d %v, want 200 rejected on phone", status, body)
	}
	if _, ok := body["id"]; ok {
		t.Errorf("a rejected record got a lead id: %v", body)
	}
	// The retry of the same delivery is a duplicate, not a second reject.
	if status, body := b.pushJDY("jdy-leads", jdyPush{body: pushSample(t, "jiandaoyun/data_create_invalid.json"), deliverID: "d-bad-1"}); body["status"] != "duplicate" {
		t.Errorf("retry of the rejected delivery: %d %v", status, body)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"sources", "rejects", "jdy-leads", "--records"}, b.getenv, &out, &errOut, nil)
	if code != 0 {
		t.Fatalf("baton sources rejects: exit %d\n%s", code, errOut.String())
	}
	got := out.String()
	for _, want := range []string{"6751a0c2e4b0f5a1c2d3e4f6", "d-bad-1", "phone is not a", "field phone", "韩梅梅"} {
		if !strings.Contains(got, want) {
			t.Errorf("rejects listing lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "reason:") != 1 {
		t.Errorf("want exactly one reject:\n%s", got)
	}
	if strings.Contains(b.logs.String(), "韩梅梅") || strings.Contains(b.logs.String(), "12345\"") {
		t.Errorf("the server log holds the rejected record's personal data")
	}
}

// TestPushDoubleSubmitIsOneLead: the same person submitting the form twice inside dedupe_window (two
// records, two _ids) is one lead with two touches and one pool card.
func TestPushDoubleSubmitIsOneLead(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	create := pushSample(t, "jiandaoyun/data_create.json")
	status, body := b.pushJDY("jdy-leads", jdyPush{body: create, deliverID: "d-1"})
	if status != http.StatusCreated {
		t.Fatalf("first submit: %d %v", status, body)
	}
	id := leadID(t, body)
	b.waitCards(salesChat, 1)
	b.clock.Advance(3 * time.Minute)
	status, body = b.pushJDY("jdy-leads", jdyPush{body: withRecord(create, "6751a0c2e4b0f5a1c2d3e4aa", "138 0013 8000"), deliverID: "d-2"})
	if status != http.StatusOK || body["status"] != "touch" || leadID(t, body) != id {
		t.Fatalf("second submit: %d %v, want a touch on lead %d", status, body, id)
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	if touches, _ := detail["touches"].([]any); len(touches) != 2 {
		t.Errorf("touches = %v, want 2", detail["touches"])
	}
	// The card is refreshed in place, never posted twice.
	b.wait("the touch to be synced", func() bool {
		_, d := b.get("/api/v1/leads/"+itoa(id), adminToken)
		return hasEvent(d, "touch")
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(b.cardsIn(salesChat)); n != 1 {
		t.Errorf("%d pool cards after a double submit, want 1", n)
	}
}

// TestPushWebhookDottedPaths: a webhook-kind source maps dotted paths from any JSON body, authenticates
// with the lead API's token or HMAC check (credentials of another source are refused), and repeats of
// the mapped external id store nothing new.
func TestPushWebhookDottedPaths(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	sample := pushSample(t, "webhook/partner.json")
	status, body := b.post("/api/v1/push/partner", map[string]string{"Authorization": "Bearer " + partnerToken}, sample)
	if status != http.StatusCreated || body["status"] != "created" {
		t.Fatalf("webhook push: %d %v", status, body)
	}
	id := leadID(t, body)
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	cust, _ := detail["customer"].(map[string]any)
	if cust["name"] != "赵敏" || cust["phone"] != "+8613900139000" || cust["company"] != "明教贸易" || detail["campaign"] != "partner-q4" {
		t.Errorf("mapped webhook lead: customer %v campaign %v", cust, detail["campaign"])
	}
	touches, _ := detail["touches"].([]any)
	if len(touches) != 1 || touches[0].(map[string]any)["external_id"] != "ptn-20261130-0001" ||
		fmt.Sprint(touches[0].(map[string]any)["utm"]) != "map[source:partner-site]" {
		t.Errorf("touch = %v", touches)
	}
	if status, body := b.post("/api/v1/push/partner", map[string]string{"Authorization": "Bearer " + partnerToken}, sample); status != http.StatusOK || body["status"] != "exists" {
		t.Errorf("repeat of the same id: %d %v, want 200 exists", status, body)
	}

	// HMAC as for the lead API; the path names the source.
	signed := []byte(strings.NewReplacer("ptn-20261130-0001", "ptn-20261130-0002", "13900139000", "13900139001").Replace(string(sample)))
	// The signature covers "<X-Baton-Timestamp>.<body>", as the lead API's does.
	ts := strconv.FormatInt(b.clock.Now().Unix(), 10)
	m := hmac.New(sha256.New, []byte(partnerSecret))
	m.Write([]byte(ts + "."))
	m.Write(signed)
	sig := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if status, body := b.post("/api/v1/push/partner", map[string]string{"X-Baton-Signature": sig, "X-Baton-Timestamp": ts}, signed); status != http.StatusCreated {
		t.Errorf("HMAC-signed webhook push: %d %v", status, body)
	}
	if status, _ := b.post("/api/v1/push/partner", map[string]string{"X-Baton-Signature": "sha256=" + strings.Repeat("0", 64), "X-Baton-Timestamp": ts}, signed); status != http.StatusUnauthorized {
		t.Errorf("bad HMAC: %d, want 401", status)
	}
	if status, _ := b.post("/api/v1/push/partner", map[string]string{"Authorization": "Bearer " + webToken}, sample); status != http.StatusUnauthorized {
		t.Errorf("another source's token: %d, want 401", status)
	}
	if status, _ := b.post("/api/v1/push/web-form", map[string]string{"Authorization": "Bearer " + webToken}, sample); status != http.StatusNotFound {
		t.Errorf("push to a source without a kind: %d, want 404", status)
	}
}

// TestPushJiandaoyunUpdateOfUnknownRecord: a data_update of a record Baton never stored (the form was
// connected after the submission) is taken as the record's arrival, and its later updates find it.
func TestPushJiandaoyunUpdateOfUnknownRecord(t *testing.T) {
	b := startBaton(t, e2eOptions{config: pushConfig(t)})
	update := pushSample(t, "jiandaoyun/data_update.json")
	status, body := b.pushJDY("jdy-leads", jdyPush{body: update, deliverID: "u-1"})
	if status != http.StatusCreated || body["status"] != "created" {
		t.Fatalf("update of an unknown record: %d %v, want 201 created", status, body)
	}
	id := leadID(t, body)
	again := []byte(strings.Replace(string(update), "年终大促", "春季促销", 1))
	status, body = b.pushJDY("jdy-leads", jdyPush{body: again, deliverID: "u-2"})
	if status != http.StatusOK || body["status"] != "updated" || leadID(t, body) != id {
		t.Fatalf("next update: %d %v, want updated on lead %d", status, body, id)
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["campaign"] != "春季促销" {
		t.Errorf("campaign = %v", detail["campaign"])
	}
}
