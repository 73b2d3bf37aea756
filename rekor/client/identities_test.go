package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/server"
)

// TestIdentitiesEmbedded lists identities by prefix from provscope's log
// and finds each one's entry with Rekor's exact index search.
func TestIdentitiesEmbedded(t *testing.T) {
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir(), Hostname: "client.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	defer func() { srv.Close(); _ = sl.Close() }()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"dev@example.com", "Dev.Ops@example.com", "ci@example.org"} {
		k, _ := cosignfmt.KeyFromSeed(email)
		s, _ := cosignfmt.NewSigner(k)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: email},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			EmailAddresses: []string{email},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			t.Fatal(err)
		}
		p := []byte("artifact " + email)
		sig, _ := s.SignMessage(bytes.NewReader(p))
		cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if _, _, err := c.Upload(ctx, cosignfmt.HashedRekordEntry(p, sig, cert)); err != nil {
			t.Fatalf("Upload(%s) = %v", email, err)
		}
	}
	p, err := c.Identities(ctx, "DEV", 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dev.ops@example.com", "dev@example.com"}; !slices.Equal(p.Identities, want) || p.Truncated || !p.Complete() {
		t.Errorf("Identities(DEV) = %+v, want %q, complete, not truncated", p, want)
	}
	for _, id := range p.Identities {
		if uuids, err := c.Search(ctx, SearchQuery{Subject: id}); err != nil || len(uuids) != 1 {
			t.Errorf("Search(subject %s) = %q, %v; want one entry", id, uuids, err)
		}
	}
	if p, err := c.Identities(ctx, "dev", 1); err != nil || len(p.Identities) != 1 || !p.Truncated {
		t.Errorf("Identities(dev, 1) = %+v, %v; want one, truncated", p, err)
	}
	if p, err := c.Identities(ctx, "nobody", 10); err != nil || p.Identities == nil || len(p.Identities) != 0 {
		t.Errorf("Identities(nobody) = %+v, %v; want an empty list", p, err)
	}
}

// TestIdentitiesErrors maps a log without the extension to ErrUnsupported,
// other failures to *HTTPError, and bad arguments to errors before any
// request.
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
