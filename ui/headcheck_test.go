package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// checkingBackend is the fake backend with a log-head watcher whose verdict
// the test sets, as ui/backend's CheckHead (inspect.CheckLog) reports it.
type checkingBackend struct {
	*fakebackend.Backend
	problem error
	calls   int
}

func (b *checkingBackend) CheckHead(ctx context.Context) (ui.HeadCheck, error) {
	b.calls++
	li, err := b.LogInfo(ctx)
	return ui.HeadCheck{Head: li, Problem: b.problem}, err
}

// TestExplorerShowsTheWatchersVerdict: with a HeadChecker backend, the
// explorer checks the first head even when nothing is remembered for its
// tree (a log may have dropped a remembered tree for a fresh one) and its
// banner carries the watcher's words exactly, as loginfo prints them; a
// passing watcher leaves no banner.
func TestExplorerShowsTheWatchersVerdict(t *testing.T) {
	fb := fakebackend.New()
	old := model.Checkpoint{Origin: "fake - 1", Size: 20, RootHash: make([]byte, 32)}
	_, dropped := proof.JudgeConsistency(proof.ConsistencyEvidence{TreeID: "1", Old: old})
	cb := &checkingBackend{Backend: fb, problem: dropped}
	a := startWith(t, cb, 120, 40, nil)
	if cb.calls == 0 {
		t.Fatal("the first head was not checked by the watcher")
	}
	if want := dropped.Error(); !strings.Contains(a.Banner(), want) {
		t.Errorf("banner = %q, want the watcher's %q", a.Banner(), want)
	}

	ok := &checkingBackend{Backend: fakebackend.New()}
	if a := startWith(t, ok, 120, 40, nil); a.Banner() != "" || ok.calls == 0 {
		t.Errorf("passing watcher: banner %q after %d checks, want none after at least one", a.Banner(), ok.calls)
	}
}
