package handlers

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// MaxPushBody caps a push body: one platform record, with room for 简道云's subforms and file links.
const MaxPushBody = 256 << 10

// DefaultMaxSkew is how far a signed push's timestamp may be from now unless the source sets max_skew.
const DefaultMaxSkew = 5 * time.Minute

// pushResult is the answer to a push: 2xx whenever the record was stored, rejected into the dead-letter
// table or deliberately ignored, so the platform stops retrying it.
type pushResult struct {
	Status string `json:"status"`
	ID     int64  `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// push serves POST /api/v1/push/{source}: the platform's own body, verified the platform's way.
func (h *API) push(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("source")
	src, ok := h.Service.Settings.Source(key)
	if !ok || src.Kind == "" {
		return &httpError{http.StatusNotFound, crm.ENOTFOUND, "no push source with this key (sources[].kind in baton.yaml)", "source"}
	}
	body, err := readBody(w, r, MaxPushBody)
	if err != nil {
		return err
	}
	var p *crm.Push
	switch src.Kind {
	case crm.KindJiandaoyun:
		if err := verifyJiandaoyun(r, body, src, h.now()); err != nil {
			return err
		}
		if p, err = decodeJiandaoyun(body); err != nil {
			return err
		}
		p.DeliveryID = strings.TrimSpace(r.Header.Get("X-JDY-DeliverId"))
	default:
		if err := h.verifyWebhook(r, body, src); err != nil {
			return err
		}
		if p, err = decodeWebhook(body); err != nil {
			return err
		}
	}
	if err := h.allow(src, 1); err != nil {
		return err
	}
	res, err := h.Service.Push(r.Context(), src, p)
	if err != nil {
		return err
	}
	out := pushResult{Status: string(res.Status), Field: res.Field, Reason: res.Reason}
	if res.Lead != nil {
		out.ID = res.Lead.ID
	}
	// Ids only: the reason can name a field but never holds the record's values.
	h.Logger.Info("push received", "source", src.Key, "op", p.Op, "delivery_id", p.DeliveryID,
		"lead_id", out.ID, "status", res.Status, "field", res.Field, "reason", res.Reason)
	status := http.StatusOK
	if res.Status == crm.PushCreated {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

func (h *API) now() time.Time {
	if h.Service.Now != nil {
		return h.Service.Now()
	}
	return time.Now()
}

// verifyJiandaoyun checks 简道云's signature: X-JDY-Signature = hex(SHA-1("<nonce>:<body>:<secret>:<timestamp>"))
// with nonce and timestamp (Unix seconds) from the query string (https://hc.jiandaoyun.com/open/11507,
// "签名验证"). The page does not say whether a retry is re-signed with a fresh timestamp, so how far the
// timestamp may be from now is the source's max_skew (default 5 minutes).
func verifyJiandaoyun(r *http.Request, body []byte, src *crm.Source, now time.Time) error {
	q := r.URL.Query()
	nonce, ts := q.Get("nonce"), q.Get("timestamp")
	sig := strings.ToLower(strings.TrimSpace(r.Header.Get("X-JDY-Signature")))
	sig = strings.TrimPrefix(sig, "sha1=")
	if sig == "" || nonce == "" || ts == "" {
		return unauthorized("missing X-JDY-Signature, or nonce or timestamp in the query string")
	}
	want := JiandaoyunSignature(nonce, body, src.Secret, ts)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return unauthorized("X-JDY-Signature does not match (check the source's secret)")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("timestamp must be Unix seconds")
	}
	skew := src.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if d := now.Sub(time.Unix(secs, 0)); d > skew || d < -skew {
		return unauthorized(fmt.Sprintf("timestamp is more than %s from the server's clock", skew))
	}
	return nil
}

// JiandaoyunSignature returns the lower-case hex SHA-1 简道云 puts in X-JDY-Signature.
func JiandaoyunSignature(nonce string, body []byte, secret, timestamp string) string {
	m := sha1.New()
	m.Write([]byte(nonce + ":"))
	m.Write(body)
	m.Write([]byte(":" + secret + ":" + timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyWebhook authenticates a webhook-kind push with the lead API's own check (bearer token, or
// X-Baton-Signature under the source's secret), which must name the source in the path.
func (h *API) verifyWebhook(r *http.Request, body []byte, src *crm.Source) error {
	if r.Header.Get("X-Baton-Signature") != "" && r.Header.Get("X-Baton-Source") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Baton-Source", src.Key) // the path names the source
	}
	got, err := h.authenticate(r, body)
	if err != nil {
		return err
	}
	if got.Key != src.Key {
		return unauthorized("these credentials belong to another source")
	}
	return nil
}

// decodeJiandaoyun reads 简道云's {"op", "data", "opTime"} (https://hc.jiandaoyun.com/open/10732, "推送内容")
// in one pass; the whole body is what a reject keeps.
func decodeJiandaoyun(body []byte) (*crm.Push, error) {
	var env struct {
		Op   string         `json:"op"`
		Data map[string]any `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // ids and phone numbers sent as numbers keep every digit
	if err := dec.Decode(&env); err != nil {
		return nil, &httpError{http.StatusBadRequest, crm.EINVALID, "body is not 简道云 push JSON: " + err.Error(), ""}
	}
	return &crm.Push{Op: env.Op, Record: env.Data, RawRecord: body, ExternalID: crm.Flatten(env.Data["_id"])}, nil
}

// decodeWebhook reads a webhook-kind body: the whole body is the record.
func decodeWebhook(body []byte) (*crm.Push, error) {
	rec, err := decodeRecord(body)
	if err != nil {
		return nil, err
	}
	return &crm.Push{Record: rec, RawRecord: body}, nil
}

func decodeRecord(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // ids and phone numbers sent as numbers keep every digit
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil || rec == nil {
		return nil, &httpError{http.StatusBadRequest, crm.EINVALID, "the record must be a JSON object", ""}
	}
	return rec, nil
}

// DecodePush reads a push body of the given kind as POST /api/v1/push does (`baton sources test` previews
// sample bodies with it).
func DecodePush(kind string, body []byte) (*crm.Push, error) {
	if kind == crm.KindJiandaoyun {
		return decodeJiandaoyun(body)
	}
	return decodeWebhook(body)
}
