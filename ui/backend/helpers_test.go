package backend_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/server"
	"github.com/provscope/provscope/rekor/state"
	"github.com/provscope/provscope/ui/backend"
)

// embeddedLog is provscope's log in a temporary directory, served on
// loopback, with a client to fill it.
type embeddedLog struct {
	t      *testing.T
	log    *server.Log
	srv    *httptest.Server
	client *client.Client
	fulcio *inspecttest.Fulcio
}

// startLog starts an embedded log.
func startLog(t *testing.T) *embeddedLog {
	t.Helper()
	sl, err := server.Open(context.Background(), server.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	t.Cleanup(func() { srv.Close(); _ = sl.Close() })
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return &embeddedLog{t: t, log: sl, srv: srv, client: rc}
}

// without serves the same log but answers 404 under path, as a Rekor
// without that provscope extension does, and returns its URL.
func (l *embeddedLog) without(path string) string {
	h := l.log.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	l.t.Cleanup(srv.Close)
	return srv.URL
}

// sign logs a hashedrekord entry over a fresh artifact: signed with a
// plain key when identity is "", else keyless with a certificate for it.
func (l *embeddedLog) sign(identity string) {
	l.t.Helper()
	ctx := context.Background()
	payload := []byte("artifact " + identity + " " + time.Now().Format(time.RFC3339Nano))
	k, _ := cosignfmt.KeyFromSeed("backend-test")
	var pub []byte
	if identity != "" {
		if l.fulcio == nil {
			f, err := inspecttest.NewFulcio(time.Now())
			if err != nil {
				l.t.Fatal(err)
			}
			l.fulcio = f
		}
		cert, key, err := l.fulcio.Issue(identity, "https://issuer.example", time.Now())
		if err != nil {
			l.t.Fatal(err)
		}
		k, pub = key, cert
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		l.t.Fatal(err)
	}
	if pub == nil {
		pub = s.PublicKeyPEM()
	}
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		l.t.Fatal(err)
	}
	if _, _, err := l.client.Upload(ctx, cosignfmt.HashedRekordEntry(payload, sig, pub)); err != nil {
		l.t.Fatal(err)
	}
}

// open opens the explorer's backend on the log at url (this log's, or a
// front of it), remembering checkpoints in store when it is set.
func (l *embeddedLog) open(url string, store *state.Store) *backend.Backend {
	l.t.Helper()
	b, err := backend.Open(context.Background(), backend.Config{
		Log: logs.Log{Name: "test", URL: url, Kind: logs.KindRekorV1}, KeyPEM: l.log.PublicKeyPEM(), Store: store,
	})
	if err != nil {
		l.t.Fatal(err)
	}
	return b
}
