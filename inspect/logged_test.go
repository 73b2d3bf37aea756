package inspect

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/logs"
)

// indexDroppingFront is a front on 127.0.0.1 before a Rekor v1 log whose
// search index (POST /api/v1/index/retrieve) finds nothing, as Rekor's
// best-effort index may; every other request, the tree's lookups among
// them, reaches the log. It counts the index requests it dropped.
func indexDroppingFront(t *testing.T, target string) (string, *atomic.Int64) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var dropped atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/index/retrieve" {
			dropped.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("[]\n"))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &dropped
}

// TestNotLoggedOnlyWhenKnown: "not logged" (stealth signing) is declared
// only when the log's own lookup of the entry, answered from its tree, says
// absent. Behind a front whose search index drops every entry, a logged
// attestation without a bundle is still found (retrieve with the proposed
// entry) and verifies, with the index gap noted; a never-logged one is
// still not-logged; a signature with neither key nor certificate, whose key
// only the index could give, and a signature checked against a tiles log,
// which has no lookup by leaf hash, are "cannot tell", never not-logged.
func TestNotLoggedOnlyWhenKnown(t *testing.T) {
	ctx := context.Background()
	w := startDemoWorld(t)
	front, dropped := indexDroppingFront(t, w.LogURL)
	l, err := OpenLog(ctx, logs.Log{URL: front}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	s := seededSigner(t, "index gap")
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	attestation := func(t *testing.T, ref string) *AttachmentReport {
		t.Helper()
		return firstAttestation(ctx, t, deps, ref, Policy{KeyPEM: s.PublicKeyPEM()})
	}

	t.Run("logged, index drops it", func(t *testing.T) {
		ref := w.RegistryHost + "/gap/logged:1"
		pushLoggedAttestation(ctx, t, l, s, ref)
		before := dropped.Load()
		a := attestation(t, ref)
		st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
		if dropped.Load() == before {
			t.Fatal("the lookup never asked the index: the test proves nothing")
		}
		if v := a.Verdict(); v != model.VerdictVerified || a.LogIndex == nil {
			t.Fatalf("logged attestation behind a dropping index = %s (%s), log entry step %+v", v, a.Result.Reason(), st)
		}
		if !strings.Contains(st.Detail, "found online") || !strings.Contains(st.Detail, "search index did not list") {
			t.Errorf("log entry step does not note the index gap: %+v", st)
		}
	})

	t.Run("never logged", func(t *testing.T) {
		ref := w.RegistryHost + "/gap/stealth:1"
		pushStealthAttestation(ctx, t, s, ref)
		a := attestation(t, ref)
		st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
		if a.Verdict() != model.VerdictNotLogged || !strings.Contains(st.Detail, "stealth signing") {
			t.Fatalf("never-logged attestation = %s, log entry step %+v", a.Verdict(), st)
		}
	})

	t.Run("signature without key, index drops it", func(t *testing.T) {
		// A logged signature attached without its bundle annotation and
		// without a certificate: only the index could name its key.
		ref := w.RegistryHost + "/gap/signature:1"
		d, err := inspecttest.PushRandomImage(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.SignMessage(bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Rekor.Upload(ctx, cosignfmt.HashedRekordEntry(payload, sig, s.PublicKeyPEM())); err != nil {
			t.Fatal(err)
		}
		if err := cosignfmt.WriteAttached(d, registry.SuffixSignature, []cosignfmt.Layer{cosignfmt.SignatureLayer(payload, sig, "")}, true, remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
		rep, err := VerifyImage(ctx, deps, ref, Policy{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict == model.VerdictNotLogged {
			t.Fatalf("a logged signature whose key only the index could give = not-logged (%s)", rep.Reason)
		}
		for _, a := range rep.Attachments {
			if a.Kind != model.AttachSignature {
				continue
			}
			st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
			if a.Verdict() == model.VerdictNotLogged || !strings.Contains(st.Detail, "cannot tell") {
				t.Errorf("signature without key = %s, log entry step %+v", a.Verdict(), st)
			}
		}
		// With the key, the lookup by leaf hash (the tree) finds it
		// whatever the index says.
		rep, err = VerifyImage(ctx, deps, ref, Policy{KeyPEM: s.PublicKeyPEM()}, nil)
		if err != nil || rep.Verdict != model.VerdictVerified {
			t.Errorf("signature with its key behind a dropping index = %s (%s), %v", rep.Verdict, rep.Reason, err)
		}
	})

	t.Run("tiles log", func(t *testing.T) {
		c, key := demoCase(t, w, "stealth")
		tl, err := OpenLog(ctx, logs.Log{Name: "tiles", URL: w.LogURL + "/api/v2", Kind: logs.KindTiles, PublicKey: string(w.LogPublicKeyPEM)}, LogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := VerifyImage(ctx, Deps{Registry: registry.New(registry.Config{}), Log: tl}, c.Image, Policy{KeyPEM: key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict == model.VerdictNotLogged || !strings.Contains(rep.Reason, "cannot tell") {
			t.Errorf("stealth signature against a tiles log = %s (%s), want cannot tell", rep.Verdict, rep.Reason)
		}
	})
}
