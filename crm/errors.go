package crm

import (
	"errors"
	"fmt"
)

// Error codes. A coded error's Message is safe to show a person (a toast or an API error); anything else is
// internal and is shown as a generic sentence.
const (
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ELIMIT        = "limit"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EUNAVAILABLE  = "unavailable"
)

// Error is Baton's coded error. Field names the input field at fault, when there is one.
type Error struct {
	Code    string
	Message string // English, safe for users
	ZH      string // Chinese, safe for users; empty means Message is used
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("crm %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("crm %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted English message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Bilingual returns an *Error with Chinese and English messages.
func Bilingual(code, zh, en string) *Error {
	return &Error{Code: code, Message: en, ZH: zh}
}

// FieldError returns an EINVALID error naming the input field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe English and Chinese messages for err.
func ErrorMessage(err error) (en, zh string) {
	var e *Error
	if err == nil {
		return "", ""
	}
	if errors.As(err, &e) {
		zh = e.ZH
		if zh == "" {
			zh = e.Message
		}
		return e.Message, zh
	}
	return "Something went wrong on our side; please try again.", "服务内部错误，请稍后重试。"
}

// ErrorField returns the input field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
