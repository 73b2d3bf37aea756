package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeStartsAndStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &out, &errb, serveOptions{data: dir, addr: "127.0.0.1:0", hostname: "test.local", maxBody: 1 << 20}, ready)
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("runServe ended early: %v (stderr %q)", err, errb.String())
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/log", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var info struct {
		TreeSize int64  `json:"treeSize"`
		TreeID   string `json:"treeID"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.TreeID == "" {
		t.Fatalf("GET /api/v1/log = %s (%v)", b, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runServe() = %v", err)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "log-public-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{url, "tree ID:    " + info.TreeID, "SIGSTORE_REKOR_PUBLIC_KEY=", "REKOR_REKOR_SERVER_PUBLIC_KEY=", string(pem), "test.local - " + info.TreeID} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestServeBadHostnameIsUsageError(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"serve", "--data", t.TempDir(), "--hostname", "a b", "--addr", "127.0.0.1:0"}, &out, &errb)
	if code != exitUsageErr {
		t.Errorf("serve --hostname 'a b' = %d, want %d (stderr %q)", code, exitUsageErr, errb.String())
	}
}

// startServe runs runServe with o in the background and returns its URL
// and a function stopping it (and checking it stopped cleanly).
func startServe(t *testing.T, o serveOptions) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() { done <- runServe(ctx, &out, &errb, o, ready) }()
	select {
	case url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("runServe ended early: %v (stderr %q)", err, errb.String())
	}
	return url, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runServe() = %v", err)
		}
	}
}

// serveOnce runs runServe with o and returns its exit code and error text;
// a server that starts is stopped at once (exit 0).
func serveOnce(t *testing.T, o serveOptions) (code int, msg string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go func() {
		if _, ok := <-ready; ok {
			cancel()
		}
	}()
	err := runServe(ctx, io.Discard, io.Discard, o, ready)
	close(ready)
	var ee *exitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &ee):
		return ee.code, err.Error()
	default:
		return -1, err.Error()
	}
}

// TestServeRefusesMissingDatabase: a missing or empty log.db next to the
// log's key file is refused with exit 2, naming what is missing, and
// neither the key file nor a new log appears; --init starts a new log but
// never overwrites the key file of another key.
func TestServeRefusesMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	_, stop := startServe(t, serveOptions{data: dir, addr: "127.0.0.1:0", hostname: "test.local"})
	stop()
	keyPath := filepath.Join(dir, "log-public-key.pem")
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, damage := range []string{"missing", "empty"} {
		t.Run(damage, func(t *testing.T) {
			db := filepath.Join(dir, "log.db")
			for _, f := range []string{db, db + "-wal", db + "-shm"} {
				_ = os.Remove(f)
			}
			if damage == "empty" {
				if err := os.WriteFile(db, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, msg := serveOnce(t, serveOptions{data: dir, addr: "127.0.0.1:0", hostname: "test.local"})
			if code != exitUsageErr || !strings.Contains(msg, "log.db is "+damage) || !strings.Contains(msg, "log-public-key.pem") {
				t.Errorf("serve with log.db %s = %d, %q; want %d naming log.db and the key file", damage, code, msg, exitUsageErr)
			}
			if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, key) {
				t.Errorf("the key file changed: %q, want %q", got, key)
			}
			if fi, err := os.Stat(db); err == nil && fi.Size() > 0 {
				t.Errorf("a refused start left a %d-byte log.db", fi.Size())
			}
		})
	}
	// --init makes a new log with a new key, but the old key file stays:
	// serve refuses to overwrite it.
	if code, msg := serveOnce(t, serveOptions{data: dir, addr: "127.0.0.1:0", hostname: "test.local", init: true}); code != exitUsageErr || !strings.Contains(msg, "refusing to overwrite") {
		t.Errorf("serve --init next to another key's file = %d, %q; want %d refusing to overwrite it", code, msg, exitUsageErr)
	}
	if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, key) {
		t.Errorf("serve --init overwrote the key file")
	}
}

// TestServeUnderConnectionFlood: with the default limits, in a server
// process limited to 1,024 file descriptors, a fresh client is served while one client address holds 1,000 idle keep-alive
// connections and 200 connections sending a request body slowly. The idle
// ones are reclaimed (oldest first) as new ones arrive, the slow ones are
// left alone (their ReadTimeout bounds them), and the server never holds
// more connections than its per-client limit.
func TestServeUnderConnectionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,200 connections")
	}
	url := startServeChild(t, t.TempDir())
	addr := strings.TrimPrefix(url, "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	dial := func() net.Conn {
		c, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatalf("dialing connection %d: %v (raise the descriptor limit: ulimit -n)", len(conns), err)
		}
		conns = append(conns, c)
		return c
	}
	for i := range 1000 {
		c := dial()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("idle connection %d: GET /healthz = %d", i, resp.StatusCode)
		}
	}
	slow := make([]net.Conn, 0, 200)
	for range 200 {
		c := dial()
		fmt.Fprintf(c, "POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":")
		slow = append(slow, c)
	}
	// A fresh client (a new connection, same address) is served.
	// (A server without limits runs out of descriptors here and never
	// answers: the timeout only ends that failure.)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}
	resp, err := client.Get(url + "/api/v1/log")
	if err != nil {
		t.Fatalf("fresh client: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh client: GET /api/v1/log = %d, want 200", resp.StatusCode)
	}
	// The slow requests were not reclaimed: each still gets its answer
	// once its body is complete (400: the JSON is cut short on purpose).
	for i, c := range []net.Conn{slow[0], slow[199]} {
		fmt.Fprintf(c, "%s", strings.Repeat(" ", 1000-len(`{"kind":`)))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("slow connection %d = %d, want 400 (malformed JSON)", i, resp.StatusCode)
		}
	}
}

// TestServeChildProcess is not a test: it is the `provscope serve` process
// that TestServeUnderConnectionFlood starts under `ulimit -n 1024`.
func TestServeChildProcess(t *testing.T) {
	dir := os.Getenv("PROVSCOPE_SERVE_CHILD_DIR")
	if dir == "" {
		t.Skip("helper process for TestServeUnderConnectionFlood")
	}
	ready := make(chan string, 1)
	go func() {
		fmt.Println("URL", <-ready)
	}()
	err := runServe(context.Background(), io.Discard, os.Stderr, serveOptions{data: dir, addr: "127.0.0.1:0", hostname: "test.local"}, ready)
	fmt.Println("ERROR", err)
	os.Exit(3)
}

// startServeChild runs `provscope serve` (runServe with the default
// limits) in a child process limited to 1,024 open files, as a default
// Linux account is, and returns its URL; the child is killed at cleanup.
func startServeChild(t *testing.T, dir string) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set the child's descriptor limit")
	}
	cmd := exec.Command(sh, "-c", `ulimit -n 1024 && exec "$0" -test.run='^TestServeChildProcess$'`, os.Args[0]) //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), "PROVSCOPE_SERVE_CHILD_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return u
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Fatalf("serve child: %s", sc.Text())
		}
	}
	t.Fatalf("serve child exited without a URL: %v", sc.Err())
	return ""
}
