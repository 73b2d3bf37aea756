package inspect

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

func TestCheckLogDetectsRollbackAndFork(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 42)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	a := inspecttest.History("a", 20)
	b := append(inspecttest.History("a", 6), inspecttest.History("b", 14)...)

	tests := []struct {
		name    string
		leaves  [][]byte
		size    uint64
		want    model.Verdict
		wantErr proof.InconsistencyKind
	}{
		{"first sight", a, 10, model.VerdictVerified, -1},
		{"unchanged", a, 10, model.VerdictVerified, -1},
		{"grown", a, 15, model.VerdictVerified, -1},
		{"rolled back", a, 12, model.VerdictFailed, proof.Rollback},
		{"forked at the same size", b, 15, model.VerdictFailed, proof.Fork},
		{"forked and grown", b, 18, model.VerdictFailed, proof.Inconsistent},
		{"honest again", a, 20, model.VerdictVerified, -1},
	}
	store := &state.Store{Dir: t.TempDir()}
	for _, tt := range tests {
		fake.SetHistory(tt.leaves, tt.size)
		l, err := OpenLog(ctx, logs.Log{Name: "fake", URL: srv.URL, Kind: logs.KindRekorV1}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(1, 0)})
		if err != nil {
			t.Fatalf("%s: CheckLog: %v", tt.name, err)
		}
		if got := c.Verdict(); got != tt.want {
			t.Fatalf("%s: verdict = %v, want %v (%s)", tt.name, got, tt.want, c.Trees[0].Result.Reason())
		}
		if tt.wantErr >= 0 {
			f := c.Trees[0].Result.FirstFailure()
			var ie *proof.InconsistentError
			if !errors.As(f.Err, &ie) || ie.Kind != tt.wantErr || (ie.Kind == proof.Inconsistent && ie.Trace == nil) {
				t.Errorf("%s: failure = %v, want a %v *proof.InconsistentError (with its trace when inconsistent)", tt.name, f.Err, tt.wantErr)
			}
		}
	}
	prev, _ := store.Load(srv.URL, "42")
	if prev == nil || prev.Size != 20 {
		t.Errorf("remembered = %+v, want size 20", prev)
	}
}

func TestCheckLogRejectsWrongKey(t *testing.T) {
	fake, _ := inspecttest.NewFakeLog("fake.example", 7)
	other, _ := inspecttest.NewFakeLog("fake.example", 7)
	fake.SetHistory(inspecttest.History("a", 3), 3)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	l, err := OpenLog(context.Background(), logs.Log{URL: srv.URL}, LogOptions{KeyPEM: other.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckLog(context.Background(), l, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict() != model.VerdictFailed || c.Trees[0].Result.FirstFailure().Name != StepTreeHead {
		t.Errorf("verdict with the wrong key = %v (%s), want failed at %s", c.Verdict(), c.Trees[0].Result.Reason(), StepTreeHead)
	}
	// Without a pinned key, the key is fetched from the log.
	l, err = OpenLog(context.Background(), logs.Log{URL: srv.URL}, LogOptions{})
	if err != nil || l.KeySource != KeyFetched {
		t.Fatalf("OpenLog without key = %v, source %q", err, l.KeySource)
	}
}

// TestCheckLogShards checks every shard of a sharded Rekor v1 log: each has
// its own remembered checkpoint, and a frozen shard that changes is caught.
func TestCheckLogShards(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 3)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetInactiveShard(1, inspecttest.History("old", 9))
	fake.SetHistory(inspecttest.History("new", 4), 4)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	store := &state.Store{Dir: t.TempDir()}
	l, err := OpenLog(ctx, logs.Log{URL: srv.URL}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(1, 0)})
	if err != nil || c.Verdict() != model.VerdictVerified || len(c.Trees) != 2 || c.Trees[1].Active || c.Trees[1].TreeID != "1" {
		t.Fatalf("CheckLog = %+v, %v; want 2 verified trees, the second inactive", c, err)
	}
	for _, id := range []string{"1", "3"} {
		if p, _ := store.Load(srv.URL, id); p == nil {
			t.Errorf("tree %s not remembered", id)
		}
	}
	// The active tree grows: fine. The frozen shard shows another history
	// of the same size: a fork, caught on that shard only.
	fake.SetHistory(inspecttest.History("new", 6), 6)
	fake.SetInactiveShard(1, inspecttest.History("evil", 9))
	c, err = CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(2, 0)})
	if err != nil || c.Verdict() != model.VerdictFailed {
		t.Fatalf("CheckLog after the shard changed = %v, %v; want failed", c.Verdict(), err)
	}
	if v := c.Trees[0].Result.Verdict(); v != model.VerdictVerified {
		t.Errorf("active tree = %v, want verified", v)
	}
	var fork *proof.InconsistentError
	if f := c.Trees[1].Result.FirstFailure(); f == nil || !errors.As(f.Err, &fork) || fork.Kind != proof.Fork {
		t.Errorf("inactive shard failure = %+v, want a fork", f)
	}
}

// TestCheckLogBindsOrigin: a log's checkpoints are bound to its origin, by
// configuration or, for an unknown log, by the first origin seen (trust on
// first use, remembered per URL and key): the same key signing under
// another origin fails; a log that abandons its remembered tree for a
// fresh one under the same key fails as a dropped tree; nothing is
// remembered from a failing or dry run.
func TestCheckLogBindsOrigin(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 42)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	fake.SetHistory(inspecttest.History("a", 10), 10)
	open := func(origin string) *Log {
		l, err := OpenLog(ctx, logs.Log{Name: "fake", URL: srv.URL, Kind: logs.KindRekorV1, Origin: origin}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	store := &state.Store{Dir: t.TempDir()}
	check := func(l *Log, dry bool) *LogCheck {
		t.Helper()
		c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(1, 0), DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wantOriginErr := func(name string, c *LogCheck) {
		t.Helper()
		var oe *proof.OriginError
		if c.Verdict() != model.VerdictFailed || !errors.As(c.Problem(), &oe) {
			t.Errorf("%s: %v, %v; want a *proof.OriginError", name, c.Verdict(), c.Problem())
		}
	}

	// Configured: another origin than the log signs fails at once.
	wantOriginErr("configured other.example", check(open("other.example"), false))
	if c := check(open("fake.example"), true); c.Verdict() != model.VerdictVerified || c.OriginFrom != "configured" {
		t.Errorf("configured fake.example = %v (%s), %v", c.Verdict(), c.OriginFrom, c.Problem())
	}
	// Unknown: a dry run learns nothing; the first real run binds.
	check(open(""), true)
	if o, _ := store.LoadOrigin(srv.URL, mustFingerprint(t, fake.PublicKeyPEM())); o != nil {
		t.Fatalf("a dry run remembered origin %+v", o)
	}
	if c := check(open(""), false); c.Verdict() != model.VerdictVerified || c.Origin != "fake.example" {
		t.Fatalf("first sight = %v, origin %q; want verified, fake.example", c.Verdict(), c.Origin)
	}
	// The same key under another origin, same tree: refused.
	fake.Hostname = "evil.example"
	wantOriginErr("re-signed as evil.example", check(open(""), false))
	fake.Hostname = "fake.example"
	// The same key, a fresh tree: the remembered tree 42 was dropped.
	fake.TreeID = 43
	c := check(open(""), false)
	var ie *proof.InconsistentError
	if !errors.As(c.Problem(), &ie) || ie.Kind != proof.TreeDropped || ie.TreeID != "42" {
		t.Fatalf("fresh tree 43 = %v, %v; want tree 42 dropped", c.Verdict(), c.Problem())
	}
	if p, _ := store.Load(srv.URL, "43"); p != nil {
		t.Errorf("the fresh tree of a failing log was remembered: %+v", p)
	}
	// Listed again as an inactive shard, the old tree passes.
	fake.SetInactiveShard(42, inspecttest.History("a", 10))
	if c := check(open(""), false); c.Verdict() != model.VerdictVerified {
		t.Errorf("tree 42 as an inactive shard = %v, %v", c.Verdict(), c.Problem())
	}
}

func mustFingerprint(t *testing.T, pem []byte) string {
	t.Helper()
	fp, err := KeyFingerprint(pem)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// TestVerifyEntryBindsOrigin: an entry's checkpoint must name the log's
// configured host; without one, the signer name is the origin's host (the
// old behaviour, the tree still bound by proof/). A checkpoint the log's
// key signed under another host fails.
func TestVerifyEntryBindsOrigin(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	e, err := l.EntryByIndex(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	withOrigin := func(origin string) *Log {
		nl, err := OpenLog(ctx, logs.Log{URL: w.LogURL, Origin: origin}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
		if err != nil {
			t.Fatal(err)
		}
		return nl
	}
	for _, tt := range []struct {
		name, origin string
		ok           bool
	}{
		{"unknown log", "", true},
		{"configured host", "provscope.local", true},
		{"configured whole origin", "provscope.local - 1", true},
		{"another host", "other.example", false},
	} {
		c := withOrigin(tt.origin).VerifyEntry(*e, time.Time{})
		if got := c.Result.Verdict() == model.VerdictVerified; got != tt.ok {
			t.Errorf("%s: VerifyEntry = %v, want verified %v (%s)", tt.name, c.Result.Verdict(), tt.ok, c.Result.Reason())
		}
	}
	// The same key signing "evil.example - <tree>" (the signer line may
	// carry any name: an ECDSA key hash does not commit to it).
	for _, tt := range []struct {
		origin, cp string
		ok         bool
	}{
		{"provscope.local", "provscope.local - 7", true},
		{"provscope.local", "evil.example - 7", false},
		{"provscope.local", "not a rekor origin", false},
		{"", "evil.example - 7", true}, // unknown log: nothing to bind to here (CheckLog binds on first use)
	} {
		var r model.Result
		withOrigin(tt.origin).checkEntryOrigin(&r, model.Checkpoint{Origin: tt.cp})
		var oe *proof.OriginError
		if f := r.FirstFailure(); (f == nil) != tt.ok || (f != nil && !errors.As(f.Err, &oe)) {
			t.Errorf("checkEntryOrigin(%q, bound to %q) = %+v, want ok %v", tt.cp, tt.origin, f, tt.ok)
		}
	}
}

// TestDeniedBundleEntryIsMisbehaviour: a log that answers 404 for the
// entry a cosign signature's Rekor bundle names, at an index its own signed checkpoint
// covers, is reported as misbehaving with the signed size, not as an
// absent entry.
func TestDeniedBundleEntryIsMisbehaviour(t *testing.T) {
	ctx := context.Background()
	w, _ := startDemo(t)
	c, key := demoCase(t, w, "signed-legacy")
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	up, err := url.Parse(w.LogURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/log/entries/") {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusNotFound)
			_, _ = rw.Write([]byte(`{"code":404,"message":"not found"}`))
			return
		}
		proxy.ServeHTTP(rw, r)
	}))
	defer front.Close()
	l, err := OpenLog(ctx, logs.Log{URL: front.URL}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyImage(ctx, Deps{Registry: registry.New(registry.Config{}), Log: l}, c.Image, Policy{KeyPEM: key, TrustedRoot: tr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range rep.Attachments {
		if a.Result == nil {
			continue
		}
		for _, s := range a.Result.Steps {
			var me *proof.MissingEntryError
			if s.Name == StepLogEntry && s.Status == model.StatusFail && errors.As(s.Err, &me) && strings.Contains(s.Detail, "signed checkpoints cover") {
				found = true
			}
		}
	}
	if !found || rep.Verdict != model.VerdictFailed {
		t.Errorf("denied bundle entry: verdict %s, misbehaviour step found %v: %+v", rep.Verdict, found, rep.Attachments)
	}
}
