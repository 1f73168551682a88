package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/baton-crm/baton/crm"
)

// appHandler is an HTTP handler that returns its error instead of writing it, so no path can write an
// error and then carry on.
type appHandler func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with its own HTTP status (size limits, bad JSON), outside crm's codes.
type httpError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *httpError) Error() string { return e.message }

func (h *API) wrap(fn appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	}
}

// errorBody is the API's error shape: {"error":{"code","message","field"}}.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func toAPIError(err error) (int, apiError) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, apiError{Code: he.code, Message: he.message, Field: he.field}
	}
	msg, _ := crm.ErrorMessage(err)
	return statusOf(crm.ErrorCode(err)), apiError{Code: crm.ErrorCode(err), Message: msg, Field: crm.ErrorField(err)}
}

func statusOf(code string) int {
	switch code {
	case crm.EINVALID:
		return http.StatusBadRequest
	case crm.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case crm.EFORBIDDEN:
		return http.StatusForbidden
	case crm.ENOTFOUND:
		return http.StatusNotFound
	case crm.ECONFLICT:
		return http.StatusConflict
	case crm.ELIMIT:
		return http.StatusTooManyRequests
	case crm.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		// An internal error usually means the database is unreachable: 503 tells the sender to retry and
		// never suggests the lead was stored.
		return http.StatusServiceUnavailable
	}
}

func (h *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := toAPIError(err)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	h.Logger.Log(r.Context(), level, "api request failed", "method", r.Method, "route", r.Pattern,
		"status", status, "code", body.Code, "field", body.Field, "error", err)
	writeJSON(w, status, errorBody{Error: body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
