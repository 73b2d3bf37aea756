package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestWatchStepReportsNewMatchingEntries: on a tiles log served by an
// embedded provscope log, the first step starts at the current checkpoint
// (nothing old is reported); an entry by the watched identity logged after
// it is reported with its index, signer and kind, one by another identity
// is read but not reported; a step with no growth reports nothing; a log
// that then serves a fork of itself is the step's Problem (an inconsistent
// checkpoint), not an error. EndWatch removes the watch's directory and
// nothing else.
func TestWatchStepReportsNewMatchingEntries(t *testing.T) {
	ctx := context.Background()
	w := mirrortest.Start(t)
	w.AddHashed(t, "old", 3)
	w.AddKeyless(t, "alice@example.com", "https://issuer.example") // before the watch: not reported
	b := openTiles(t, w, t.TempDir())
	q := ui.WatchQuery{Identity: "alice@example.com", Issuer: "https://issuer.example"}

	s1, st, err := b.WatchStep(ctx, q, ui.WatchState{})
	if err != nil {
		t.Fatalf("first WatchStep: %v", err)
	}
	if !s1.First || s1.To != 4 || len(s1.Entries) != 0 || s1.Problem != nil || st.Size != 4 || st.Handle == "" {
		t.Fatalf("first step = %+v, state %+v; want the start at checkpoint 4, nothing reported", s1, st)
	}
	dir := st.Handle

	w.AddKeyless(t, "bob@example.com", "https://issuer.example")
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	w.AddKeyless(t, "alice@example.com", "https://other.example") // another issuer
	s2, st, err := b.WatchStep(ctx, q, st)
	if err != nil {
		t.Fatalf("second WatchStep: %v", err)
	}
	if s2.First || s2.From != 4 || s2.To != 7 || s2.Scanned != 3 || s2.Problem != nil || len(s2.Entries) != 1 {
		t.Fatalf("second step = %+v; want 4 → 7, 3 read, 1 reported", s2)
	}
	e := s2.Entries[0]
	if e.LogIndex != 5 || e.Kind != "hashedrekord" || len(e.Signers) != 1 || e.Signers[0].Subject != "alice@example.com" || e.Signers[0].Issuer != "https://issuer.example" {
		t.Errorf("reported entry = %+v; want #5, hashedrekord, alice@example.com (https://issuer.example)", e)
	}

	s3, st, err := b.WatchStep(ctx, q, st)
	if err != nil || s3.From != 7 || s3.To != 7 || len(s3.Entries) != 0 || s3.Problem != nil {
		t.Fatalf("step without growth = %+v, %v; want 7 → 7, nothing", s3, err)
	}

	// The log forks: the same key signs a history that does not extend the
	// checkpoint the watch verified.
	w.Fork(t, 6)
	w.AddHashed(t, "after", 2)
	if _, st, err = b.WatchStep(ctx, q, st); err != nil || st.Size != 9 {
		t.Fatalf("step on the original log = size %d, %v; want 9", st.Size, err)
	}
	w.UseFork()
	s4, st4, err := b.WatchStep(ctx, q, st)
	if err != nil {
		t.Fatalf("step on the fork: error %v, want a Problem", err)
	}
	var ie *proof.InconsistentError
	var le *mirror.LieError
	if !errors.As(s4.Problem, &le) || !errors.As(s4.Problem, &ie) {
		t.Fatalf("step on the fork = %+v; want an inconsistent-checkpoint Problem", s4)
	}
	if st4.Size != 9 || len(s4.Entries) != 0 {
		t.Errorf("step on the fork moved the watch to %d with %d entries; want it kept at 9, nothing reported", st4.Size, len(s4.Entries))
	}

	other := t.TempDir()
	b.EndWatch(ui.WatchState{Handle: other})
	if _, err := os.Stat(other); err != nil {
		t.Errorf("EndWatch removed a directory it did not create: %v", err)
	}
	b.EndWatch(st4)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after EndWatch the watch directory %s: %v; want it removed", dir, err)
	}
}

// TestWatchStepRekorV1: on a Rekor v1 log (the embedded log's /api/v1)
// the first step starts at the log's current head; an entry by the watched
// identity logged after it is reported, one by another identity is read but
// not reported; an entry whose inclusion proof does not verify is the
// step's Problem (an *inspect.WatchLieError), and the watch keeps its
// place.
func TestWatchStepRekorV1(t *testing.T) {
	ctx := context.Background()
	w := mirrortest.Start(t)
	w.AddHashed(t, "old", 3)
	w.AddKeyless(t, "alice@example.com", "https://issuer.example") // before the watch: not reported
	def := logs.Log{Name: "served-v1", URL: w.URL, Kind: logs.KindRekorV1}
	b, err := backend.Open(ctx, backend.Config{Log: def, KeyPEM: w.KeyPEM()})
	if err != nil {
		t.Fatalf("Open on a v1 log: %v", err)
	}
	q := ui.WatchQuery{Identity: "alice@*"}

	s1, st, err := b.WatchStep(ctx, q, ui.WatchState{})
	if err != nil {
		t.Fatalf("first WatchStep: %v", err)
	}
	t.Cleanup(func() { b.EndWatch(st) })
	if !s1.First || s1.To != 4 || len(s1.Entries) != 0 || s1.Problem != nil || st.Size != 4 || st.Handle == "" {
		t.Fatalf("first step = %+v, state %+v; want the start at size 4, nothing reported", s1, st)
	}

	w.AddKeyless(t, "bob@example.com", "https://issuer.example")
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	s2, st, err := b.WatchStep(ctx, q, st)
	if err != nil {
		t.Fatalf("second WatchStep: %v", err)
	}
	if s2.First || s2.From != 4 || s2.To != 6 || s2.Scanned != 2 || s2.Problem != nil || len(s2.Entries) != 1 {
		t.Fatalf("second step = %+v; want 4 → 6, 2 read, 1 reported", s2)
	}
	if e := s2.Entries[0]; e.LogIndex != 5 || e.Kind != "hashedrekord" || len(e.Signers) != 1 || e.Signers[0].Subject != "alice@example.com" {
		t.Errorf("reported entry = %+v; want #5, hashedrekord, alice@example.com", e)
	}

	// The log answers with an inclusion proof that does not verify.
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	w.SetMutator(func(p string, b []byte) []byte {
		if p != "/api/v1/log/entries/retrieve" {
			return b
		}
		var es []map[string]map[string]any
		if err := json.Unmarshal(b, &es); err != nil {
			t.Errorf("retrieve answer: %v", err)
			return b
		}
		for _, m := range es {
			for _, e := range m {
				v, _ := e["verification"].(map[string]any)
				p, _ := v["inclusionProof"].(map[string]any)
				if hs, _ := p["hashes"].([]any); len(hs) > 0 {
					h := []byte(hs[0].(string))
					h[0] = otherHexDigit(h[0])
					hs[0] = string(h)
				}
			}
		}
		out, _ := json.Marshal(es)
		return out
	})
	s3, st3, err := b.WatchStep(ctx, q, st)
	var lie *inspect.WatchLieError
	if err != nil || !errors.As(s3.Problem, &lie) || len(s3.Entries) != 0 || st3.Size != 6 {
		t.Fatalf("step over a bad inclusion proof = %+v, state %+v, %v; want a Problem, nothing reported, the watch kept at 6", s3, st3, err)
	}
}

// otherHexDigit returns a hex digit other than c.
func otherHexDigit(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}
