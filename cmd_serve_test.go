package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
