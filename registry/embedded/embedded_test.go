package embedded

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestStartServesReferrersAndClose(t *testing.T) {
	r, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Host(), "127.0.0.1:") {
		t.Errorf("Host() = %q, want 127.0.0.1:<port>", r.Host())
	}
	img, _ := random.Image(10, 1)
	ref, _ := name.NewTag(r.Host() + "/x:v1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	resp, err := http.Get("http://" + r.Host() + "/v2/x/referrers/" + h.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("referrers API answered %d, want 200", resp.StatusCode)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := http.Get("http://" + r.Host() + "/v2/"); err == nil {
		t.Error("registry still answers after Close")
	}
}

func TestPaginationFollowsTheSpec(t *testing.T) {
	srv := httptest.NewServer(NewHandler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, repo := range []string{"c", "a", "b"} {
		img, _ := random.Image(10, 1)
		ref, _ := name.NewTag(host + "/" + repo + ":v1")
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) ([]string, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var v struct {
			Repositories []string `json:"repositories"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("GET %s: %v (%s)", path, err, b)
		}
		return v.Repositories, resp.Header.Get("Link")
	}
	page, link := get("/v2/_catalog?n=2")
	if !slices.Equal(page, []string{"a", "b"}) || !strings.Contains(link, "last=b") {
		t.Errorf("first page = %v, Link %q; want [a b] and a next link after b", page, link)
	}
	page, link = get("/v2/_catalog?n=2&last=b")
	if !slices.Equal(page, []string{"c"}) || link != "" {
		t.Errorf("second page = %v, Link %q; want [c] and no link", page, link)
	}
	page, _ = get("/v2/_catalog?n=2&last=c")
	if len(page) != 0 {
		t.Errorf("page after the last = %v, want empty", page)
	}
}

// TestStartLimitsBodies: the registry refuses a body beyond MaxBodyBytes
// from its declared length, before reading it (it keeps blobs in memory).
func TestStartLimitsBodies(t *testing.T) {
	r, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", r.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v2/big/blobs/uploads/?digest=sha256:%064d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 0, MaxBodyBytes+1)
	// Without the limit the registry waits for the body: the deadline
	// only ends that failure.
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("upload of %d bytes = %d, want 413", MaxBodyBytes+1, resp.StatusCode)
	}
}
