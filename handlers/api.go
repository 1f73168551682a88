package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
)

// Body limits of the lead API.
const (
	MaxLeadBody  = 64 << 10
	MaxBatchBody = 4 << 20
	MaxBatchSize = 1000
)

// API serves the lead HTTP API.
type API struct {
	Service    *crm.Service
	AdminToken string // BATON_API_TOKEN: read endpoints; empty disables them
	Limiter    SourceLimiter
	Logger     *slog.Logger
}

// SourceLimiter caps how fast one source may push leads. Allow reports whether n more leads fit now.
type SourceLimiter interface {
	Allow(source string, n int) bool
}

// Register adds the API's routes to mux.
func (h *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/leads", h.wrap(h.createLead))
	mux.HandleFunc("POST /api/v1/leads/batch", h.wrap(h.createBatch))
	mux.HandleFunc("GET /api/v1/leads/{id}", h.wrap(h.getLead))
	mux.HandleFunc("POST /api/v1/push/{source}", h.wrap(h.push)) // push.go
}

// leadResult is one lead's outcome in API responses.
type leadResult struct {
	ID     int64     `json:"id,omitempty"`
	Status string    `json:"status,omitempty"`
	Pool   string    `json:"pool,omitempty"`
	Rev    int64     `json:"rev,omitempty"`
	Error  *apiError `json:"error,omitempty"`
}

func resultOf(res *crm.IntakeResult) leadResult {
	return leadResult{ID: res.Lead.ID, Status: string(res.Status), Pool: res.Lead.Pool, Rev: res.Lead.Rev}
}

func (h *API) createLead(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, MaxLeadBody)
	if err != nil {
		return err
	}
	src, err := h.authenticate(r, body)
	if err != nil {
		return err
	}
	if err := h.allow(src, 1); err != nil {
		return err
	}
	in, err := decodeLead(body)
	if err != nil {
		return err
	}
	res, err := h.Service.Intake(r.Context(), src.Key, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Status == crm.IntakeExists {
		status = http.StatusOK
	}
	h.Logger.Info("lead received", "source", src.Key, "lead_id", res.Lead.ID, "status", res.Status)
	writeJSON(w, status, resultOf(res))
	return nil
}

func (h *API) createBatch(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, MaxBatchBody)
	if err != nil {
		return err
	}
	src, err := h.authenticate(r, body)
	if err != nil {
		return err
	}
	items, err := decodeBatch(body)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return &httpError{http.StatusBadRequest, crm.EINVALID, "leads must hold at least one lead", "leads"}
	}
	if len(items) > MaxBatchSize {
		return &httpError{http.StatusRequestEntityTooLarge, crm.EINVALID, fmt.Sprintf("a batch holds at most %d leads", MaxBatchSize), "leads"}
	}
	if err := h.allow(src, len(items)); err != nil {
		return err
	}
	// Items that do not decode are answered at once; the rest go through IntakeMany, which writes
	// independent leads together and keeps one customer's leads in order.
	out := make([]leadResult, len(items))
	fail := func(i int, err error) {
		_, e := toAPIError(err)
		if e.Field != "" {
			e.Field = fmt.Sprintf("leads[%d].%s", i, e.Field)
		}
		out[i] = leadResult{Error: &e}
		if crm.ErrorCode(err) == crm.EINTERNAL {
			h.Logger.Error("batch lead failed", "source", src.Key, "index", i, "error", err)
		}
	}
	var inputs []*crm.LeadInput
	var at []int // inputs[k] is items[at[k]]
	for i, raw := range items {
		in, err := decodeLead(raw)
		if err != nil {
			fail(i, err)
			continue
		}
		inputs, at = append(inputs, in), append(at, i)
	}
	h.Service.IntakeMany(r.Context(), src.Key, inputs, func(k int, res *crm.IntakeResult, err error) {
		if err != nil {
			fail(at[k], err)
			return
		}
		out[at[k]] = resultOf(res)
	})
	counts := map[string]int{}
	for _, res := range out {
		if res.Error != nil {
			counts["error"]++
		} else {
			counts[res.Status]++
		}
	}
	h.Logger.Info("lead batch received", "source", src.Key, "leads", len(out), "created", counts["created"],
		"touch", counts["touch"], "exists", counts["exists"], "errors", counts["error"])
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

func (h *API) allow(src *crm.Source, n int) error {
	if h.Limiter == nil || h.Limiter.Allow(src.Key, n) {
		return nil
	}
	return &httpError{http.StatusTooManyRequests, crm.ELIMIT, "too many leads from this source; slow down and retry", ""}
}

func (h *API) getLead(w http.ResponseWriter, r *http.Request) error {
	if err := h.authenticateAdmin(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return &httpError{http.StatusBadRequest, crm.EINVALID, "id must be a positive integer", "id"}
	}
	d, err := h.Service.Detail(r.Context(), id)
	if err != nil {
		return err
	}
	out := detailJSON(d)
	// Only configured fields: values of a field removed from baton.yaml stay stored, hidden.
	out["fields"] = h.Service.Settings.VisibleFields(d.View.Lead)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// readBody reads at most max bytes of the request body; more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{http.StatusRequestEntityTooLarge, crm.EINVALID, fmt.Sprintf("body is larger than %d bytes", max), ""}
	}
	if err != nil {
		return nil, &httpError{http.StatusBadRequest, crm.EINVALID, "could not read the request body", ""}
	}
	return body, nil
}

// decodeLead decodes one lead, refusing what decoding would change (see checkJSON).
func decodeLead(body []byte) (*crm.LeadInput, error) {
	if err := checkJSON(body, nil); err != nil {
		return nil, err
	}
	var in crm.LeadInput
	if err := decodeStrict(body, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// decodeBatch decodes a batch body into its items, left raw: each is decoded and checked on its own, so one
// bad item fails alone. The batch itself is checked like a lead (a second "leads" array is refused, not
// allowed to replace the first).
func decodeBatch(body []byte) ([]json.RawMessage, error) {
	isItem := func(path string) bool { return strings.HasPrefix(path, "leads[") && !strings.Contains(path, "].") }
	if err := checkJSON(body, isItem); err != nil {
		return nil, err
	}
	var req struct {
		Leads []json.RawMessage `json:"leads"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	return req.Leads, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields (integrations put extra data under
// "attributes") and trailing data, and naming the field at fault.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		if _, tokErr := dec.Token(); tokErr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return &httpError{http.StatusBadRequest, crm.EINVALID, fmt.Sprintf("%s must be %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String())), typeErr.Field}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &httpError{http.StatusBadRequest, crm.EINVALID, fmt.Sprintf("unknown field %q (put extra data under \"attributes\")", f), f}
	default:
		return &httpError{http.StatusBadRequest, crm.EINVALID, "body is not valid JSON: " + err.Error(), ""}
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	default:
		return "of another type"
	}
}

func detailJSON(d *crm.LeadDetail) map[string]any {
	l := d.View.Lead
	var owner any
	if d.View.Owner != nil {
		owner = map[string]any{"open_id": d.View.Owner.OpenID, "name": d.View.Owner.Name}
	}
	c := d.View.Customer
	timeline := make([]map[string]any, 0, len(d.Timeline))
	for _, e := range d.Timeline {
		timeline = append(timeline, map[string]any{"kind": e.Kind, "actor": e.ActorID, "at": e.At.UTC().Format(time.RFC3339), "data": e.Data})
	}
	touches := make([]map[string]any, 0, len(d.View.Touches))
	for _, t := range d.View.Touches {
		touches = append(touches, map[string]any{"source": t.Source, "external_id": t.ExternalID, "campaign": t.Campaign, "utm": t.UTM,
			"note": t.Note, "author": t.AuthorID, "at": t.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return map[string]any{
		"id": l.ID, "stage": l.Stage, "pool": l.Pool, "rev": l.Rev, "owner": owner,
		"source": l.Source, "campaign": l.Campaign, "tags": l.Tags, "locked": l.Locked,
		"created_at": l.CreatedAt.UTC().Format(time.RFC3339),
		"customer": map[string]any{"id": c.ID, "name": c.Name, "phone": c.Phone, "email": c.Email,
			"company": c.Company, "title": c.Title, "region": c.Region, "tags": c.Tags},
		"grade":    gradeJSON(l.Grade),
		"touches":  touches,
		"timeline": timeline,
	}
}
