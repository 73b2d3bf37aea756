package backend_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
	"github.com/provscope/provscope/ui"
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

// TestWatchStepNeedsATilesLog: on a Rekor v1 log WatchStep says why it
// cannot watch, creating nothing.
func TestWatchStepNeedsATilesLog(t *testing.T) {
	l := startLog(t)
	b := l.open(l.srv.URL, nil)
	_, st, err := b.WatchStep(context.Background(), ui.WatchQuery{Identity: "alice@example.com"}, ui.WatchState{})
	if err == nil || st.Handle != "" {
		t.Fatalf("WatchStep on a v1 log = %+v, %v; want an error and no directory", st, err)
	}
}
