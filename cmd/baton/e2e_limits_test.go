package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSourceRateLimit: a source over its rate_limit gets 429 with a clear message; others are unaffected.
func TestSourceRateLimit(t *testing.T) {
	cfg := strings.Replace(defaultE2EConfig, `token: "`+webToken+`"}`, `token: "`+webToken+`", rate_limit: 1}`, 1)
	b := startBaton(t, e2eOptions{config: cfg})
	auth := map[string]string{"Authorization": "Bearer " + webToken}
	limited := 0
	for i := 0; i < 15; i++ {
		status, body := b.post("/api/v1/leads", auth, map[string]any{"email": "rl" + itoa(int64(i)) + "@example.com"})
		switch status {
		case http.StatusCreated:
		case http.StatusTooManyRequests:
			limited++
			if !strings.Contains(body["error"].(map[string]any)["message"].(string), "slow down") {
				t.Errorf("429 body: %v", body)
			}
		default:
			t.Fatalf("lead %d: %d %v", i, status, body)
		}
	}
	if limited < 4 { // a burst of 10, then about one a second
		t.Fatalf("%d of 15 rapid leads were limited, want at least 4", limited)
	}
}

// TestSlowHeadersAreCutOff: a client that trickles its request headers is disconnected by the server's
// header timeout instead of holding a connection open.
func TestSlowHeadersAreCutOff(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /api/v1/leads HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			break // closed by the server
		}
	}
	if waited := time.Since(start); waited > 15*time.Second {
		t.Fatalf("server kept a half-sent request open for %s", waited)
	}
}
