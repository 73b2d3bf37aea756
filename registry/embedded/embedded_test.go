package embedded

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

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
