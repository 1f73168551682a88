package platforms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Caller sends a platform's HTTP calls: paced by a token bucket, retried with doubling backoff through 5xx
// answers, 429s and dropped connections, decoded as JSON.
type Caller struct {
	HTTP     *http.Client
	Limiter  *rate.Limiter // nil: unpaced
	Backoff  time.Duration // first pause before a retry; default 1s
	Attempts int           // tries per call; default 4
}

// NewCaller returns a Caller making at most perSecond calls a second (0: unpaced).
func NewCaller(perSecond float64, backoff time.Duration) *Caller {
	c := &Caller{HTTP: &http.Client{Timeout: 30 * time.Second}, Backoff: backoff}
	if perSecond > 0 {
		c.Limiter = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	return c
}

// StatusError is an HTTP answer that is not 2xx. 5xx and 429 are temporary.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("platform answered HTTP %d: %s", e.Status, e.Body)
}

// Temporary reports whether retrying may help.
func (e *StatusError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// APIError is a platform's own error code in a 2xx answer.
type APIError struct {
	Code    int64
	Message string
	Temp    bool // the code is one the platform documents as "try again" (rate limits, busy)
}

func (e *APIError) Error() string { return fmt.Sprintf("platform error %d: %s", e.Code, e.Message) }

// Temporary reports whether retrying may help.
func (e *APIError) Temporary() bool { return e.Temp }

// Do sends the request newReq builds (once per attempt, so bodies are fresh) and decodes the JSON answer
// into out.
func (c *Caller) Do(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error), out any) error {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	wait := c.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	var err error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
			wait *= 2
		}
		if err = c.once(ctx, newReq, out); err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (c *Caller) once(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error), out any) error {
	if c.Limiter != nil {
		if err := c.Limiter.Wait(ctx); err != nil {
			return err
		}
	}
	req, err := newReq(ctx)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err // transport errors are retried
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &StatusError{Status: resp.StatusCode, Body: truncate(string(body), 200)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &APIError{Code: -1, Message: "unreadable answer: " + err.Error()}
	}
	return nil
}

// retryable reports whether a failed attempt is worth repeating at once: temporary statuses and codes, and
// transport errors (which do not say).
func retryable(err error) bool {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// JSONRequest builds a request with a JSON body.
func JSONRequest(ctx context.Context, method, url string, body any, header http.Header) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Token returns the access token: the value given, or else the contents of file, read on every call so a
// token refreshed outside Baton (both platforms' access tokens expire within a day) is picked up without
// a restart.
func Token(value, file string) func() (string, error) {
	return func() (string, error) {
		if value != "" {
			return value, nil
		}
		if file == "" {
			return "", errors.New("no access token configured")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read access token file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
}

// ChinaTime is the zone both platforms state their times in (GMT+8, no daylight saving).
var ChinaTime = time.FixedZone("GMT+8", 8*60*60)
