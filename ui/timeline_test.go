package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// timelineBackend is the fake backend with a fixed timeline.
type timelineBackend struct {
	*fakebackend.Backend
	tl  *inspect.Timeline
	ref string
}

func (b *timelineBackend) Timeline(_ context.Context, ref string) (*inspect.Timeline, error) {
	b.ref = ref
	return b.tl, nil
}

// TestTimelineOverlay: t on an image opens its timeline: both digests of
// a moved tag with their signers; the hostile strings in signers,
// predicate types and notes reach the screen only sanitised; esc closes.
func TestTimelineOverlay(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cur, old := "sha256:"+strings.Repeat("c", 64), "sha256:"+strings.Repeat("0", 64)
	evil := hostile.Mixed()
	tb := &timelineBackend{Backend: fakebackend.New(), tl: &inspect.Timeline{
		Digest: cur,
		Events: []inspect.TimelineEvent{
			{Time: at, LogIndex: 7, Kind: "hashedrekord", Signer: model.Signer{Subject: "old-signer" + evil, Issuer: evil}, Digest: old},
			{Time: at.Add(time.Hour), LogIndex: 9, Kind: "dsse", PredicateType: evil, Signer: model.Signer{KeyFingerprint: strings.Repeat("ab", 32)}, Digest: cur, Current: true},
		},
		Moves: []inspect.TagMove{{Digest: old, Signers: []model.Signer{{Subject: "old-signer" + evil}}}},
		Notes: []string{evil},
	}}
	a := startWith(t, tb, 160, 40, func(c *ui.Common) {
		c.ExportDir = t.TempDir()
		c.LogName = "fake"
		c.RegistryHost = "127.0.0.1:5000"
	})
	openImage(t, a, "demo/app", "v1.0")
	k := ui.DefaultKeyMap()
	press(t, a, k.Timeline)
	if !strings.Contains(tb.ref, "demo/app") {
		t.Fatalf("timeline asked for %q, want the selected image", tb.ref)
	}
	raw := a.View().Content
	if err := hostile.Check(raw); err != nil {
		t.Errorf("timeline overlay: %v", err)
	}
	s := screen(t, a, 160, 40)
	for _, want := range []string{"Timeline of", "#7", "#9", "old-signer", "sha256:00000000000… moved", "no tag points to any more", "Moved tags", "key abababababababab"} {
		if !strings.Contains(s, want) {
			t.Errorf("timeline overlay lacks %q:\n%s", want, s)
		}
	}
	press(t, a, k.Back)
	if strings.Contains(screen(t, a, 160, 40), "Timeline of") {
		t.Error("esc did not close the timeline")
	}
}
