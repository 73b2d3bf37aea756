package backend_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// TestCheckpointMemorySharedWithLoginfo remembers heads in a state store
// (a temporary one) and checks that `provscope loginfo`'s check
// (inspect.CheckLog) reads what the explorer wrote, and the other way
// round; a writer never replaces a checkpoint it did not start from.
func TestCheckpointMemorySharedWithLoginfo(t *testing.T) {
	ctx := context.Background()
	l := startLog(t)
	grow := func(n int) {
		for range n {
			l.sign("")
		}
	}
	store := &state.Store{Dir: t.TempDir()}
	def := logs.Log{Name: "test", URL: l.srv.URL, Kind: logs.KindRekorV1}
	b := l.open(l.srv.URL, store)

	grow(3)
	h1, err := b.LogInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := b.Recall(ctx, h1.TreeID); r != nil || err != nil {
		t.Fatalf("Recall on an empty store = %v, %v; want nil, nil", r, err)
	}
	if ok, err := b.Remember(ctx, nil, h1); !ok || err != nil {
		t.Fatalf("Remember(first sight) = %v, %v", ok, err)
	}
	if r, err := b.Recall(ctx, h1.TreeID); err != nil || r == nil || r.TreeSize != 3 || !bytes.Equal(r.RootHash, h1.RootHash) {
		t.Fatalf("Recall = %+v, %v; want size 3", r, err)
	}

	// loginfo finds the explorer's checkpoint and moves the memory on.
	grow(2)
	il, err := inspect.OpenLog(ctx, def, inspect.LogOptions{KeyPEM: l.log.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := inspect.CheckLog(ctx, il, inspect.CheckOptions{Store: store, Now: time.Now()})
	if err != nil || c.Verdict() != model.VerdictVerified || c.Trees[0].Previous == nil || c.Trees[0].Previous.Size != 3 {
		t.Fatalf("CheckLog = %+v, %v; want verified from the explorer's size 3", c, err)
	}

	// The explorer, still at size 3, must not replace loginfo's size 5.
	grow(1)
	h6, _ := b.LogInfo(ctx)
	if ok, err := b.Remember(ctx, &h1, h6); ok || err != nil {
		t.Errorf("Remember(from 3, over loginfo's 5) = %v, %v; want not stored", ok, err)
	}
	r5, _ := b.Recall(ctx, h1.TreeID)
	if r5 == nil || r5.TreeSize != 5 {
		t.Fatalf("Recall = %+v, want loginfo's size 5", r5)
	}
	if ok, err := b.Remember(ctx, r5, h6); !ok || err != nil {
		t.Errorf("Remember(from 5 to 6) = %v, %v; want stored", ok, err)
	}
	if ok, err := b.Remember(ctx, nil, h6); ok || err != nil {
		t.Errorf("Remember(first sight over 6) = %v, %v; want not stored", ok, err)
	}

	// A head whose signed note does not match is refused.
	bad := h6
	bad.TreeSize++
	if ok, err := b.Remember(ctx, &h6, bad); ok || err == nil {
		t.Errorf("Remember(unsigned size) = %v, %v; want an error", ok, err)
	}

	// Without a store nothing is recalled or written.
	nb := l.open(l.srv.URL, nil)
	if r, err := nb.Recall(ctx, h1.TreeID); r != nil || err != nil {
		t.Errorf("Recall without a store = %v, %v", r, err)
	}
	if ok, err := nb.Remember(ctx, nil, h6); ok || err != nil {
		t.Errorf("Remember without a store = %v, %v", ok, err)
	}
}
