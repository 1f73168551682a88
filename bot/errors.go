package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

// Lark response codes Client treats specially.
const (
	codeRateLimited      = 99991400 // app-level frequency limit (HTTP 429)
	codeIMRateLimited    = 230020   // per chat / per message frequency limit
	codeTenantRateLimit  = 11232    // tenant-level message-create limit
	codeTokenInvalid     = 99991663 // tenant_access_token invalid or expired
	codeAppTokenInvalid  = 99991664
	codeAccessTokenWrong = 99991671
)

// permanentCodes is the short list of Lark answers that no retry can turn into a success: each names a
// state that does not change by itself. Everything else (a missing scope 99991672, a refused card 230099,
// "no permission" 230027, a disabled bot 230006…) is fixed by an admin or a deploy, and the notification
// must go out once it is. Sources: the error tables of
// https://open.feishu.cn/document/server-docs/im-v1/message/create and …/message/reply and …/message/patch.
var permanentCodes = map[int]string{
	// "The bot can not be outside the group": the bot was removed from (or never added to) the chat.
	230002: "bot_not_in_chat",
	// "The message is recalled" (reply to or update of a recalled message).
	230011: "message_recalled",
	// "Bot has NO availability to this user"; the create doc adds "如果目标用户已离职，也会报错 230013":
	// this is also how Lark answers for a user who left the company.
	230013: "user_unavailable",
	// Updates of a message older than Lark's window (card JSON 2.0: 14 days, see the card JSON 2.0 release
	// notes https://open.feishu.cn/document/feishu-cards/card-json-v2-breaking-changes-release-notes).
	230031: "message_too_old",
}

// APIError is a failed Lark call. Status is the HTTP status (0 when no response arrived), Code and Msg are
// Lark's, LogID helps Lark support find the request. Err holds the transport error when there was one.
type APIError struct {
	Op         string // what Baton was doing: "send", "reply", "patch", …
	Status     int
	Code       int
	Msg        string
	LogID      string
	RetryAfter time.Duration // from x-ogw-ratelimit-reset, when Lark sent it
	Err        error
}

func (e *APIError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("lark %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("lark %s: http %d code %d: %s", e.Op, e.Status, e.Code, e.Msg)
}

// Unwrap returns the transport error, if any.
func (e *APIError) Unwrap() error { return e.Err }

// RateLimited reports whether Lark refused the call for going too fast.
func (e *APIError) RateLimited() bool {
	switch e.Code {
	case codeRateLimited, codeIMRateLimited, codeTenantRateLimit:
		return true
	}
	return e.Status == http.StatusTooManyRequests
}

// Temporary reports whether the same call may succeed later: rate limits, server errors and network
// failures are temporary; permissions, recalled or missing messages and bad requests are not.
func (e *APIError) Temporary() bool {
	if e.RateLimited() || e.Status >= 500 {
		return true
	}
	// Timeouts, refused connections and resets: the request may never have reached Lark, and the uuid
	// keeps a retried send from posting twice. Only the caller giving up is final.
	if e.Err != nil {
		return !errors.Is(e.Err, context.Canceled)
	}
	return false
}

// Permanent reports whether Lark refused for good: only the codes in permanentCodes are. A caller that
// gets a non-permanent error keeps retrying with backoff, however long it takes.
func (e *APIError) Permanent() bool {
	_, ok := permanentCodes[e.Code]
	return ok
}

// FailureCode names the failure for alerts and metrics without personal data: Lark's code, or "http_<status>"
// or "network" when Lark sent none.
func (e *APIError) FailureCode() string {
	switch {
	case e.Code != 0:
		return strconv.Itoa(e.Code)
	case e.Status != 0:
		return "http_" + strconv.Itoa(e.Status)
	}
	return "network"
}

func tokenInvalid(code int) bool {
	return code == codeTokenInvalid || code == codeAppTokenInvalid || code == codeAccessTokenWrong
}

// IsTemporary reports whether err is an *APIError worth retrying later.
func IsTemporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	return false
}

// apiErrorFrom builds the error for a response that arrived with a non-zero code or a bad status.
func apiErrorFrom(op string, resp *larkcore.ApiResp, code int, msg string) *APIError {
	e := &APIError{Op: op, Code: code, Msg: msg}
	if resp != nil {
		e.Status = resp.StatusCode
		e.LogID = resp.RequestId()
		e.RetryAfter = retryAfter(resp.Header)
	}
	return e
}

// retryAfter reads Lark's x-ogw-ratelimit-reset (seconds until the window resets).
func retryAfter(h http.Header) time.Duration {
	v := h.Get("x-ogw-ratelimit-reset")
	if v == "" {
		return 0
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
