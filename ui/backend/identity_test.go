package backend_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/server"
	"github.com/provscope/provscope/ui/backend"
)

// TestSearchIdentityPrefix searches identities by prefix on provscope's
// log, and on a log without the identity extension (a proxy answering 404
// there, as Rekor does) falls back to the exact match and says so.
func TestSearchIdentityPrefix(t *testing.T) {
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	h := sl.Handler()
	srv := httptest.NewServer(h)
	rekorLike := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/index/identities" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer func() { srv.Close(); rekorLike.Close(); _ = sl.Close() }()

	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"dev@example.com", "dev.ops@example.com", "ci@example.org"} {
		k, _ := cosignfmt.KeyFromSeed(email)
		s, _ := cosignfmt.NewSigner(k)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: email},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), EmailAddresses: []string{email},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			t.Fatal(err)
		}
		payload := []byte("release " + email)
		sig, _ := s.SignMessage(bytes.NewReader(payload))
		if _, _, err := rc.Upload(ctx, cosignfmt.HashedRekordEntry(payload, sig, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))); err != nil {
			t.Fatal(err)
		}
	}
	open := func(url string) *backend.Backend {
		b, err := backend.Open(ctx, backend.Config{Log: logs.Log{Name: "test", URL: url, Kind: logs.KindRekorV1}, KeyPEM: sl.PublicKeyPEM()})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name, url, q string
		want         int
		note         string
	}{
		{"prefix", srv.URL, "dev", 2, `2 identities start with "dev"`},
		{"prefix, any case", srv.URL, "DEV.", 1, `1 identity starts with "DEV.": dev.ops@example.com`},
		{"whole email", srv.URL, "ci@example.org", 1, `1 identity starts with "ci@example.org": ci@example.org`},
		{"no match", srv.URL, "nobody", 0, `no identity starts with "nobody"`},
		{"rekor: prefix falls back to exact", rekorLike.URL, "dev", 0, backend.NoteExactOnly},
		{"rekor: exact email", rekorLike.URL, "dev@example.com", 1, backend.NoteExactOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := open(tt.url).Search(ctx, tt.q)
			if err != nil || len(r.UUIDs) != tt.want || r.Note != tt.note {
				t.Errorf("Search(%q) = %d entries, note %q, %v; want %d, %q", tt.q, len(r.UUIDs), r.Note, err, tt.want, tt.note)
			}
			for _, u := range r.UUIDs {
				if !client.ValidUUID(u) || len(u) != 80 {
					t.Errorf("Search(%q) returned entry ID %q, want 80 hex", tt.q, u)
				}
			}
		})
	}
}
