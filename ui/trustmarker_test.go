package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// TestHeaderShowsTrustMarker: Common.TrustMarker (a stale or embedded-only
// trust root) is shown in the header, sanitised; without it nothing is.
func TestHeaderShowsTrustMarker(t *testing.T) {
	for _, tc := range []struct{ name, marker, want string }{
		{"stale", "trust root as of 2025-09-22, not refreshed", "⚠ trust root as of 2025-09-22, not refreshed"},
		{"hostile", "trust root\x1b[2J as of\u202e x", "⚠ trust root"},
		{"fresh", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ui.NewCommon(fakebackend.New(), true, true)
			c.Ctx, c.RefreshInterval, c.LogName, c.TrustMarker = context.Background(), 0, "fake", tc.marker
			a := ui.New(c)
			run(t, a, a.Init())
			send(t, a, keyMsgSize(160, 40))
			s := screen(t, a, 160, 40)
			header := strings.SplitN(s, "\n", 3)
			top := strings.Join(header[:2], "\n")
			switch {
			case tc.want == "" && strings.Contains(s, "not refreshed"):
				t.Errorf("a fresh trust root is marked:\n%s", top)
			case tc.want != "" && !strings.Contains(top, tc.want):
				t.Errorf("header = %q, want it to contain %q", top, tc.want)
			}
			if strings.ContainsAny(s, "\x1b\u202e") && tc.name == "hostile" {
				t.Errorf("the marker's controls reached the screen: %q", top)
			}
		})
	}
}

// keyReportingBackend is a backend that says whether its log's key was
// pinned (ui.LogKeyReporter).
type keyReportingBackend struct {
	ui.Backend
	pinned bool
}

func (b keyReportingBackend) LogKeyPinned() bool { return b.pinned }

// TestHeaderShowsUnpinnedLogKey: a backend whose log key was fetched from
// the log itself (not pinned) makes the header say so; a pinned key, or a
// backend that cannot tell, adds nothing.
func TestHeaderShowsUnpinnedLogKey(t *testing.T) {
	const marker = "⚠ log key not pinned (fetched from the log)"
	for _, tc := range []struct {
		name string
		b    ui.Backend
		want bool
	}{
		{"fetched", keyReportingBackend{fakebackend.New(), false}, true},
		{"pinned", keyReportingBackend{fakebackend.New(), true}, false},
		{"cannot tell", fakebackend.New(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ui.NewCommon(tc.b, true, true)
			c.Ctx, c.RefreshInterval, c.LogName = context.Background(), 0, "fake"
			a := ui.New(c)
			run(t, a, a.Init())
			send(t, a, keyMsgSize(160, 40))
			top := strings.Join(strings.SplitN(screen(t, a, 160, 40), "\n", 3)[:2], "\n")
			if got := strings.Contains(top, marker); got != tc.want {
				t.Errorf("header = %q; marker shown %v, want %v", top, got, tc.want)
			}
		})
	}
}
