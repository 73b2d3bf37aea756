package httplimit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLimitBodies: a body beyond maxBody is refused with 413 before it is
// read; while a request holds most of the in-flight budget another that
// does not fit gets 503 with Retry-After; afterwards it fits again.
func TestLimitBodies(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(LimitBodies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	}), 100, 150))
	defer srv.Close()
	post := func(body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(strings.Repeat("x", 101)); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("101-byte body = %d, want 413", r.StatusCode)
	}
	c, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
	<-entered
	r := post(strings.Repeat("x", 60))
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Errorf("60-byte body with 100 of 150 bytes held = %d (Retry-After %q), want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	fmt.Fprint(c, strings.Repeat("x", 99))
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("held request: %v %v", resp, err)
	}
	_ = c.Close()
	if r := post(strings.Repeat("x", 60)); r.StatusCode != http.StatusOK {
		t.Errorf("60-byte body after the budget came back = %d, want 200", r.StatusCode)
	}
	<-entered
}
