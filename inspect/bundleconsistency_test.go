package inspect

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// TestBundleCheckpointConsistency runs the consistency step for a Sigstore
// bundle attachment (the demo world's signed-bundle image): the checkpoint
// in the bundle's inclusion proof against the remembered one. Nothing
// remembered skips the step; a checkpoint remembered by loginfo is proven
// consistent with a proof fetched online; a remembered root that differs at
// the bundle's size is a fork; a remembered larger tree that the log cannot
// or will not link (rolled back and rewritten) fails; an unreachable log
// leaves the step skipped.
func TestBundleCheckpointConsistency(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	c, key := demoCase(t, w, "signed-bundle")
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	store := &state.Store{Dir: t.TempDir()}
	pol := Policy{KeyPEM: key, TrustedRoot: tr}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l, Store: store}
	verify := func(t *testing.T, deps Deps) (*ImageReport, *AttachmentReport, model.Step) {
		t.Helper()
		rep, err := VerifyImage(ctx, deps, c.Image, pol, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range rep.Attachments {
			if a.Result == nil {
				continue
			}
			for _, s := range a.Result.Steps {
				if s.Name == StepConsistency2 {
					return rep, &rep.Attachments[i], s
				}
			}
		}
		t.Fatalf("no attachment of %s has a %s step: %+v", c.Image, StepConsistency2, rep.Attachments)
		return nil, nil, model.Step{}
	}

	rep, att, step := verify(t, deps)
	if step.Status != model.StatusSkipped || !strings.Contains(step.Detail, "no checkpoint remembered") || rep.Verdict != model.VerdictVerified {
		t.Fatalf("nothing remembered: %s %s %q", rep.Verdict, step.Status, step.Detail)
	}
	if att.Checkpoint == nil || att.Checkpoint.Size == 0 {
		t.Fatalf("the bundle attachment reports no checkpoint: %+v", att)
	}
	bundleCP := *att.Checkpoint
	_, treeID, ok := proof.RekorV1Origin(bundleCP.Origin)
	if !ok {
		t.Fatalf("bundle checkpoint origin %q is not a Rekor v1 origin", bundleCP.Origin)
	}

	// loginfo remembers the current tree head, which is larger than the
	// bundle's: the step fetches a consistency proof and passes.
	lc, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if lc.Trees[0].Checkpoint.Size <= bundleCP.Size {
		t.Fatalf("the demo log (size %d) has not grown past the bundle's checkpoint (size %d): the test would not fetch a proof", lc.Trees[0].Checkpoint.Size, bundleCP.Size)
	}
	rep, _, step = verify(t, deps)
	if step.Status != model.StatusPass || rep.Verdict != model.VerdictVerified {
		t.Fatalf("remembered by loginfo: %s %s %q", rep.Verdict, step.Status, step.Detail)
	}

	remember := func(t *testing.T, size uint64, root []byte) {
		t.Helper()
		if err := store.Save(state.Checkpoint{LogURL: l.Def.URL, TreeID: treeID, Origin: bundleCP.Origin, Size: size, RootHash: hex.EncodeToString(root), SeenAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	otherRoot := make([]byte, 32)
	otherRoot[0] = 1
	t.Run("fork", func(t *testing.T) {
		remember(t, bundleCP.Size, otherRoot)
		rep, _, step := verify(t, deps)
		var fe *proof.InconsistentError
		if step.Status != model.StatusFail || !errors.As(step.Err, &fe) || fe.Kind != proof.Fork || rep.Verdict != model.VerdictFailed {
			t.Fatalf("fork: %s %s %q (%T)", rep.Verdict, step.Status, step.Detail, step.Err)
		}
	})
	t.Run("rewritten history", func(t *testing.T) {
		// A larger remembered tree with another root: the log's head
		// check (the same watcher as loginfo) finds its signed head of the
		// remembered size with another root, a fork.
		remember(t, lc.Trees[0].Checkpoint.Size, otherRoot)
		rep, _, step := verify(t, deps)
		var ie *proof.InconsistentError
		if step.Status != model.StatusFail || !errors.As(step.Err, &ie) || ie.Kind != proof.Fork || rep.Verdict != model.VerdictFailed {
			t.Fatalf("rewritten history: %s %s %q (%T)", rep.Verdict, step.Status, step.Detail, step.Err)
		}
	})
	t.Run("rolled back", func(t *testing.T) {
		// The remembered tree is larger than the log now is: the head
		// check says so in loginfo's words, not as the HTTP error of a
		// proof the log cannot give.
		remember(t, lc.Trees[0].Checkpoint.Size+100, otherRoot)
		rep, _, step := verify(t, deps)
		var ie *proof.InconsistentError
		if step.Status != model.StatusFail || !errors.As(step.Err, &ie) || ie.Kind != proof.Rollback ||
			!strings.HasPrefix(step.Detail, "log rolled back") || rep.Verdict != model.VerdictFailed {
			t.Fatalf("rolled back: %s %s %q", rep.Verdict, step.Status, step.Detail)
		}
	})
	t.Run("unreachable log", func(t *testing.T) {
		remember(t, lc.Trees[0].Checkpoint.Size, lc.Trees[0].Checkpoint.RootHash)
		refused := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
		})}
		offline, err := OpenLog(ctx, logs.Log{URL: w.LogURL}, LogOptions{KeyPEM: w.LogPublicKeyPEM, HTTPClient: refused})
		if err != nil {
			t.Fatal(err)
		}
		rep, _, step := verify(t, Deps{Registry: deps.Registry, Log: offline, Store: store})
		if step.Status != model.StatusSkipped || !strings.Contains(step.Detail, "could not be reached") || rep.Verdict != model.VerdictVerified {
			t.Fatalf("unreachable: %s %s %q", rep.Verdict, step.Status, step.Detail)
		}
		// A fork needs no proof: it is caught offline.
		remember(t, bundleCP.Size, otherRoot)
		rep, _, step = verify(t, Deps{Registry: deps.Registry, Log: offline, Store: store})
		if step.Status != model.StatusFail || rep.Verdict != model.VerdictFailed {
			t.Fatalf("offline fork: %s %s %q", rep.Verdict, step.Status, step.Detail)
		}
	})
	t.Run("another log", func(t *testing.T) {
		// Opened: a log whose key did not sign the bundle's checkpoint.
		// Nothing remembered for it applies; the known log whose pinned
		// key signs it is compared instead.
		remember(t, lc.Trees[0].Checkpoint.Size, lc.Trees[0].Checkpoint.RootHash)
		other := &Log{Def: logs.Log{URL: "http://other.invalid"}, Rekor: l.Rekor, KeyPEM: key, KeySource: KeyPinned}
		rep, _, step := verify(t, Deps{Registry: deps.Registry, Log: other, Store: store})
		if step.Status != model.StatusSkipped || !strings.Contains(step.Detail, "signed by none of the known logs") || rep.Verdict != model.VerdictVerified {
			t.Fatalf("another log: %s %s %q", rep.Verdict, step.Status, step.Detail)
		}
		known := []logs.Log{
			{Name: "keyless", URL: "http://unpinned.invalid"},
			{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1, PublicKey: string(w.LogPublicKeyPEM)},
		}
		rep, _, step = verify(t, Deps{Registry: deps.Registry, Log: other, Store: store, OtherLogs: known})
		if step.Status != model.StatusPass || !strings.Contains(step.Evidence[0].Value, "demo") || rep.Verdict != model.VerdictVerified {
			t.Fatalf("another log, the signing one known: %s %s %q %+v", rep.Verdict, step.Status, step.Detail, step.Evidence)
		}
		remember(t, bundleCP.Size, otherRoot)
		if rep, _, step = verify(t, Deps{Registry: deps.Registry, Log: other, Store: store, OtherLogs: known}); step.Status != model.StatusFail || rep.Verdict != model.VerdictFailed {
			t.Fatalf("another log, a fork in the signing one: %s %s %q", rep.Verdict, step.Status, step.Detail)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
