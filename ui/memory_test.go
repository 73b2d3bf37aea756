package ui_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

func headOf(t *testing.T, fb *fakebackend.Backend) model.LogInfo {
	t.Helper()
	li, err := fb.LogInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return li
}

func rememberedSize(fb *fakebackend.Backend) int64 {
	if r := fb.Remembered(); r != nil {
		return r.TreeSize
	}
	return -1
}

func TestFirstHeadIsRemembered(t *testing.T) {
	fb := fakebackend.New()
	startWith(t, fb, 120, 40, nil)
	if got, want := rememberedSize(fb), headOf(t, fb).TreeSize; got != want {
		t.Errorf("remembered size %d after the first head, want %d", got, want)
	}
}

// TestRememberedCheckpointIsCheckedAndMovedOn: an earlier run remembered a
// smaller tree; the first head is proven consistent with it before the
// memory moves on, each refreshed head too, and `c` proves the current
// head against the remembered one.
func TestRememberedCheckpointIsCheckedAndMovedOn(t *testing.T) {
	fb := fakebackend.New()
	old := headOf(t, fb)
	fb.SetRemembered(old)
	fb.AppendNoise(7)
	a := startWith(t, fb, 120, 40, nil)
	if a.Banner() != "" {
		t.Fatalf("banner %q on a consistent log", a.Banner())
	}
	if got := rememberedSize(fb); got != old.TreeSize+7 {
		t.Fatalf("remembered size %d after the first head, want %d", got, old.TreeSize+7)
	}

	fb.AppendNoise(4)
	send(t, a, ui.RefreshHeadMsg{})
	if got := rememberedSize(fb); got != old.TreeSize+11 {
		t.Fatalf("remembered size %d after a refresh, want %d", got, old.TreeSize+11)
	}

	fb.AppendNoise(3)
	press(t, a, ui.DefaultKeyMap().Consistency)
	s1, s2 := a.ConsistencySizes()
	if s1 != uint64(old.TreeSize+11) || s2 != uint64(old.TreeSize+14) {
		t.Fatalf("c: consistency %d → %d, want %d → %d", s1, s2, old.TreeSize+11, old.TreeSize+14)
	}
	if shown, err := a.ConsistencyShown(); !shown || err != nil {
		t.Errorf("ConsistencyShown() = %v, %v", shown, err)
	}
	if got := rememberedSize(fb); got != old.TreeSize+14 {
		t.Errorf("remembered size %d after c, want %d", got, old.TreeSize+14)
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, fmt.Sprintf("size %d", old.TreeSize+14)) {
		t.Errorf("the header does not show the head c fetched (size %d):\n%s", old.TreeSize+14, s)
	}
}

// TestInconsistentLogIsNotRemembered: a log that rewrote its history gets
// the banner, and the memory keeps the old checkpoint as evidence, through
// refreshes and c.
func TestInconsistentLogIsNotRemembered(t *testing.T) {
	fb := fakebackend.New()
	old := headOf(t, fb)
	fb.SetRemembered(old)
	fb.AppendNoise(5)
	fb.Rewrite()
	a := startWith(t, fb, 120, 40, nil)
	if !strings.Contains(a.Banner(), "INCONSISTENT") {
		t.Fatalf("banner = %q, want the inconsistency", a.Banner())
	}
	fb.AppendNoise(2)
	send(t, a, ui.RefreshHeadMsg{})
	press(t, a, ui.DefaultKeyMap().Consistency)
	if shown, err := a.ConsistencyShown(); !shown || err == nil {
		t.Errorf("c: ConsistencyShown() = %v, %v; want the failed proof", shown, err)
	}
	if got := rememberedSize(fb); got != old.TreeSize {
		t.Errorf("remembered size %d, want the old %d kept", got, old.TreeSize)
	}
}

func TestUnreadableMemoryRemembersNothing(t *testing.T) {
	fb := fakebackend.New()
	fb.RecallErr = errors.New("permission denied")
	a := startWith(t, fb, 120, 40, nil)
	if !strings.Contains(a.Status(), "permission denied") {
		t.Errorf("status = %q, want the memory's error", a.Status())
	}
	fb.AppendNoise(3)
	send(t, a, ui.RefreshHeadMsg{})
	if r := fb.Remembered(); r != nil {
		t.Errorf("remembered %d with an unreadable memory, want nothing", r.TreeSize)
	}
	if a.Banner() != "" {
		t.Errorf("banner %q on a consistent log", a.Banner())
	}
}
