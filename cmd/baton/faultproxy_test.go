package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultProxy is a TCP proxy on loopback that a test puts between Baton and PostgreSQL or Redis. Cut makes
// the service look gone (open connections are dropped, new ones refused) without stopping the shared server
// other test packages use; Restore brings it back on the same address.
type faultProxy struct {
	t      *testing.T
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener // nil while cut
	conns   map[net.Conn]struct{}
	servers map[net.Conn]struct{} // the server side of each live link, closed by Stall
	stalled bool
	resume  chan struct{} // closed when a stall ends
	wg      sync.WaitGroup
}

// newFaultProxy listens on 127.0.0.1:0 and forwards every connection to target (host:port).
func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	p := &faultProxy{t: t, target: target, conns: make(map[net.Conn]struct{}), servers: make(map[net.Conn]struct{}),
		resume: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.close)
	return p
}

// proxyURL starts a fault proxy in front of the server raw points at and returns raw rewritten to go through
// it, with the proxy.
func proxyURL(t *testing.T, raw string) (string, *faultProxy) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse service url: %v", err)
	}
	p := newFaultProxy(t, u.Host)
	u.Host = p.addr
	return u.String(), p
}

func (p *faultProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by Cut or close
			}
			p.wg.Add(1)
			go p.pipe(c)
		}
	}()
}

func (p *faultProxy) pipe(client net.Conn) {
	defer p.wg.Done()
	if p.hold(client) {
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client, server) {
		client.Close()
		server.Close()
		return
	}
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(server, client)
	go cp(client, server)
	<-done // either side ending ends both: half-open links would hide a cut
	server.Close()
	p.untrack(server)
	if !p.hold(client) {
		client.Close()
	}
	<-done
	p.untrack(client)
}

// hold keeps client open and silent while the proxy is stalled, as a network that drops packets does, and
// closes it when the stall ends. It reports whether it held the connection.
func (p *faultProxy) hold(client net.Conn) bool {
	p.mu.Lock()
	stalled, resume := p.stalled, p.resume
	if stalled {
		p.conns[client] = struct{}{}
	}
	p.mu.Unlock()
	if !stalled {
		return false
	}
	<-resume
	client.Close()
	p.untrack(client)
	return true
}

// track registers a live link; it refuses when the proxy was cut or stalled meanwhile.
func (p *faultProxy) track(client, server net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil || p.stalled {
		return false
	}
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.servers[server] = struct{}{}
	return true
}

func (p *faultProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	delete(p.servers, c)
}

// Stall makes the service unreachable without refusing anything: connections are accepted and requests
// sent, but no answer ever comes back, until Restore. Clients find out only through their own timeouts.
func (p *faultProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		return
	}
	p.stalled = true
	p.resume = make(chan struct{})
	for c := range p.servers {
		c.Close()
	}
}

func (p *faultProxy) endStallLocked() {
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
}

// Cut drops every open connection and refuses new ones until Restore.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endStallLocked()
	if p.ln == nil {
		return
	}
	p.ln.Close()
	p.ln = nil
	for c := range p.conns {
		c.Close()
	}
}

// Restore ends a stall (held connections are closed) or a cut (the address accepts connections again).
func (p *faultProxy) Restore() {
	p.t.Helper()
	p.mu.Lock()
	p.endStallLocked()
	up := p.ln != nil
	p.mu.Unlock()
	if up {
		return
	}
	var ln net.Listener
	var err error
	// The port was just released; a moment of TIME_WAIT or a stray dialer can hold it briefly.
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("fault proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

func (p *faultProxy) close() {
	p.Cut()
	p.wg.Wait()
}

// lossyGateway stands in front of the Lark emulator as Lark's gateway does. While losing, a message send
// reaches Lark and is posted, but its answer is lost on the way back and the client sees the gateway's 502
// page: the case the send's uuid is for, since the client cannot tell it from a send that never arrived.
type lossyGateway struct {
	srv    *httptest.Server
	proxy  *httputil.ReverseProxy
	losing atomic.Bool
	lost   atomic.Int64
}

func newLossyGateway(t *testing.T, target string) *lossyGateway {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	g := &lossyGateway{proxy: httputil.NewSingleHostReverseProxy(u)}
	g.srv = httptest.NewServer(g)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *lossyGateway) URL() string { return g.srv.URL }

func (g *lossyGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.losing.Load() || r.Method != http.MethodPost || r.URL.Path != "/open-apis/im/v1/messages" {
		g.proxy.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	g.proxy.ServeHTTP(rec, r)
	g.lost.Add(1)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
}

// TestFaultProxy checks the proxy itself: bytes flow, Cut drops live links and refuses new ones, Restore
// brings the address back.
func TestFaultProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	p := newFaultProxy(t, echo.Addr().String())
	roundTrip := func(c net.Conn) error {
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "ping" {
			return errors.New("echo mismatch: " + string(buf))
		}
		return nil
	}
	live, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := roundTrip(live); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}

	p.Cut()
	if err := roundTrip(live); err == nil {
		t.Fatal("a connection open before Cut still works")
	}
	if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		c.Close()
		t.Fatal("Cut proxy accepted a new connection")
	}

	p.Restore()
	again, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatalf("dial after Restore: %v", err)
	}
	defer again.Close()
	if err := roundTrip(again); err != nil {
		t.Fatalf("after Restore: %v", err)
	}

	p.Stall()
	silent := func(c net.Conn) error {
		_ = c.SetDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = c.Write([]byte("ping"))
		buf := make([]byte, 4)
		_, err := io.ReadFull(c, buf)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return fmt.Errorf("want a timeout, got %v", err)
		}
		return nil
	}
	if err := silent(again); err != nil {
		t.Fatalf("open connection during a stall: %v", err)
	}
	held, err := net.DialTimeout("tcp", p.addr, time.Second)
	if err != nil {
		t.Fatalf("a stalled proxy refused a connection: %v", err)
	}
	defer held.Close()
	if err := silent(held); err != nil {
		t.Fatalf("new connection during a stall: %v", err)
	}
	p.Restore()
	last, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatalf("dial after the stall: %v", err)
	}
	defer last.Close()
	if err := roundTrip(last); err != nil {
		t.Fatalf("after the stall: %v", err)
	}
}
