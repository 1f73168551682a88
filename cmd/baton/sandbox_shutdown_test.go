package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShutdownClosesConsoleStreams: Ctrl-C while the sandbox console is open ends its event stream and the
// server shuts down cleanly, instead of waiting the grace period out for a stream that never ends.
func TestShutdownClosesConsoleStreams(t *testing.T) {
	env := map[string]string{"BATON_DATA_DIR": t.TempDir(), "BATON_HTTP_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs := &lockedBuffer{}
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, logs,
			&Hooks{Ready: func(addr string) { ready <- addr }})
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case code := <-done:
		t.Fatalf("baton serve exited with %d:\n%s", code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("baton serve did not start:\n%s", logs.String())
	}
	resp, err := http.Get(base + "/sandbox/emu/__emu/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(first, "event: change") {
		t.Fatalf("console stream: %q, %v", first, err)
	}
	cancel() // Ctrl-C
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		ended <- err
	}()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("baton serve did not exit")
	}
	<-ended
	if strings.Contains(logs.String(), "http shutdown") {
		t.Errorf("shutdown waited out its grace period for the console stream:\n%s", logs.String())
	}
}
