package httplimit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testServer serves a handler answering GET with 200 and reading POST
// bodies (signalling on entered when it starts reading) with lim.
func testServer(t *testing.T, lim Limits) (addr string, ln *Listener, entered chan struct{}) {
	t.Helper()
	entered = make(chan struct{}, 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			entered <- struct{}{}
			if _, err := io.ReadAll(r.Body); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, "ok")
	})
	raw, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, ln := lim.Server(raw, h)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return raw.Addr().String(), ln, entered
}

// dialFrom connects to addr from the loopback address from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Skipf("dialing from %s: %v", from, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get sends a GET on c and returns the status.
func get(t *testing.T, c net.Conn) int {
	t.Helper()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// startSlow sends a POST header and part of its body on c and waits until
// the handler is reading it.
func startSlow(t *testing.T, c net.Conn, entered chan struct{}) {
	t.Helper()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx")
	<-entered
}

// waitIdle waits until the listener counts n idle connections.
func waitIdle(ln *Listener, n int) {
	for ln.Stats().Idle != n {
		time.Sleep(time.Millisecond)
	}
}

// TestPerClientLimit: a client at its limit gets its oldest idle
// connection closed to make room; with none idle it is answered 503, while
// another client address is still served.
func TestPerClientLimit(t *testing.T) {
	addr, ln, entered := testServer(t, Limits{MaxConns: 100, MaxConnsPerClient: 3, ReadTimeout: time.Hour, IdleTimeout: time.Hour})
	var idle []net.Conn
	for range 3 {
		c := dialFrom(t, "127.0.0.1", addr)
		if s := get(t, c); s != http.StatusOK {
			t.Fatalf("GET = %d", s)
		}
		idle = append(idle, c)
	}
	waitIdle(ln, 3)
	for range 3 {
		startSlow(t, dialFrom(t, "127.0.0.1", addr), entered)
	}
	// All three idle connections were reclaimed, oldest first.
	for i, c := range idle {
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("idle connection %d: read = %v, want EOF (reclaimed)", i, err)
		}
	}
	if s := get(t, dialFrom(t, "127.0.0.1", addr)); s != http.StatusServiceUnavailable {
		t.Errorf("client at its limit with nothing idle: GET = %d, want 503", s)
	}
	if s := get(t, dialFrom(t, "127.0.0.2", addr)); s != http.StatusOK {
		t.Errorf("another client: GET = %d, want 200", s)
	}
	st := ln.Stats()
	if st.Reclaimed != 3 || st.Refused != 1 {
		t.Errorf("Stats() = %+v, want 3 reclaimed, 1 refused", st)
	}
}

// TestGlobalLimit: with every slot busy a new client is answered 503;
// once an idle connection exists it is reclaimed for the newcomer.
func TestGlobalLimit(t *testing.T) {
	addr, ln, entered := testServer(t, Limits{MaxConns: 3, MaxConnsPerClient: 3, ReadTimeout: time.Hour, IdleTimeout: time.Hour})
	startSlow(t, dialFrom(t, "127.0.0.1", addr), entered)
	startSlow(t, dialFrom(t, "127.0.0.2", addr), entered)
	c := dialFrom(t, "127.0.0.3", addr)
	startSlow(t, c, entered)
	if s := get(t, dialFrom(t, "127.0.0.4", addr)); s != http.StatusServiceUnavailable {
		t.Errorf("GET with every slot busy = %d, want 503", s)
	}
	// Finish the third request: its connection goes idle and is reclaimed.
	fmt.Fprint(c, "123456789")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitIdle(ln, 1)
	if s := get(t, dialFrom(t, "127.0.0.4", addr)); s != http.StatusOK {
		t.Errorf("GET with an idle slot = %d, want 200", s)
	}
}

// TestTimeouts: a connection that never sends a header, one that stays
// idle after a request and a request whose body never ends are all
// closed by their timeouts (set short here; the test waits for the
// closing itself, whatever it takes).
func TestTimeouts(t *testing.T) {
	ms := 20 * time.Millisecond
	addr, _, entered := testServer(t, Limits{ReadHeaderTimeout: ms, IdleTimeout: ms, ReadTimeout: 3 * ms, WriteTimeout: time.Hour})
	closed := func(name string, c net.Conn) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
					return
				}
				t.Fatalf("%s: %v, want the server to close the connection", name, err)
			}
		}
	}
	closed("silent connection", dialFrom(t, "127.0.0.1", addr))
	c := dialFrom(t, "127.0.0.1", addr)
	if s := get(t, c); s != http.StatusOK {
		t.Fatalf("GET = %d", s)
	}
	closed("idle connection", c)
	c = dialFrom(t, "127.0.0.1", addr)
	startSlow(t, c, entered)
	closed("endless body", c)
}
