package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestIdentitiesErrors decodes a page, maps a log without the extension to
// ErrUnsupported, other failures to *HTTPError, and bad arguments to errors
// before any request. (ui/backend's tests run it against provscope's log.)
func TestIdentitiesErrors(t *testing.T) {
	ctx := context.Background()
	var gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/rekor/api/v1/index/identities"): // a Rekor: no such route
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":404,"message":"path /api/v1/index/identities was not found"}`))
		case strings.HasPrefix(r.URL.Path, "/broken/api/v1/index/identities"):
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":400,"message":"prefix is too long"}`))
		case r.URL.Path == "/api/v1/index/identities":
			_, _ = w.Write([]byte(`{"identities":["a@b.c"],"truncated":false,"indexed":3,"treeSize":5}`))
		default:
			t.Errorf("request to %s", r.URL.Path)
		}
	}))
	defer srv.Close()
	open := func(path string) *Client {
		c, err := New(Config{URL: srv.URL + path, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	_, err := open("/rekor").Identities(ctx, "a", 5)
	var ue *UnsupportedError
	if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ue) || ue.Status != http.StatusNotFound {
		t.Errorf("Identities on a Rekor = %v, want an *UnsupportedError (404)", err)
	}
	_, err = open("/broken").Identities(ctx, "a", 5)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusBadRequest || he.Message != "prefix is too long" || errors.Is(err, ErrUnsupported) {
		t.Errorf("Identities on a 400 = %v, want *HTTPError 400 with the message", err)
	}
	p, err := open("").Identities(ctx, "a@", 5)
	if err != nil || !slices.Equal(p.Identities, []string{"a@b.c"}) || p.Complete() {
		t.Errorf("Identities = %+v, %v; want a@b.c, incomplete (3 of 5)", p, err)
	}
	if gotQuery != "limit=5&prefix=a%40" {
		t.Errorf("query = %q, want limit=5&prefix=a%%40", gotQuery)
	}
	for _, tt := range []struct {
		prefix string
		limit  int
	}{{"", 1}, {strings.Repeat("x", MaxIdentityPrefix+1), 1}, {"a", 0}, {"a", MaxIdentityLimit + 1}} {
		if _, err := open("").Identities(ctx, tt.prefix, tt.limit); err == nil {
			t.Errorf("Identities(%d-byte prefix, %d) = nil error, want one", len(tt.prefix), tt.limit)
		}
	}
}
