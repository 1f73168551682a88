package bot

import (
	"io"
	"net/http"
	"testing"
)

// TestAPIErrorPermanence: only Lark's short list is final; a missing scope, a refused card or "no
// permission" is retried until an admin fixes it, and rate limits and 5xx are retried within the call too.
func TestAPIErrorPermanence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       APIError
		permanent bool
		temporary bool
		code      string
	}{
		{"recalled", APIError{Status: 400, Code: 230011}, true, false, "230011"},
		{"bot not in chat", APIError{Status: 400, Code: 230002}, true, false, "230002"},
		{"user left", APIError{Status: 400, Code: 230013}, true, false, "230013"},
		{"past the update window", APIError{Status: 400, Code: 230031}, true, false, "230031"},
		{"missing scope", APIError{Status: 400, Code: 99991672}, false, false, "99991672"},
		{"card refused", APIError{Status: 400, Code: 230099}, false, false, "230099"},
		{"no permission", APIError{Status: 400, Code: 230027}, false, false, "230027"},
		{"rate limited", APIError{Status: http.StatusTooManyRequests, Code: 99991400}, false, true, "99991400"},
		{"gateway", APIError{Status: 502}, false, true, "http_502"},
		{"network", APIError{Err: io.ErrUnexpectedEOF}, false, true, "network"},
	}
	for _, tt := range tests {
		if got := tt.err.Permanent(); got != tt.permanent {
			t.Errorf("%s: Permanent() = %v, want %v", tt.name, got, tt.permanent)
		}
		if got := tt.err.Temporary(); got != tt.temporary {
			t.Errorf("%s: Temporary() = %v, want %v", tt.name, got, tt.temporary)
		}
		if got := tt.err.FailureCode(); got != tt.code {
			t.Errorf("%s: FailureCode() = %q, want %q", tt.name, got, tt.code)
		}
	}
}
