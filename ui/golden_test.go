package ui_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/ui"
)

// TestMain refuses `-update` in CI before any test runs, so that no golden
// is rewritten there (a rewritten golden makes every golden test pass).
func TestMain(m *testing.M) { os.Exit(testenv.MainRefusingUpdateInCI(m)) }

// TestUpdateRefusedInCI runs the golden tests with CI=true and -update in an
// empty folder, where golden would create testdata/*.golden if unguarded,
// and checks that the run fails having written nothing.
func TestUpdateRefusedInCI(t *testing.T) {
	testenv.RequireUpdateRefusedInCI(t, t.TempDir(), "^(TestGolden|TestGoldenErrors)$")
}

var goldenSizes = [][2]int{{80, 24}, {120, 40}, {200, 50}, {40, 12}}

// goldenStates put the explorer in each pane's main states.
var goldenStates = []struct {
	name  string
	setup func(t *testing.T, a *ui.App)
}{
	{"images", func(t *testing.T, a *ui.App) {
		press(t, a, ui.DefaultKeyMap().Enter)
	}},
	{"entries", func(t *testing.T, a *ui.App) {
		openImage(t, a, "demo/app", "v1.0")
		press(t, a, ui.DefaultKeyMap().NextPane)
	}},
	{"proof", func(t *testing.T, a *ui.App) {
		openImage(t, a, "demo/app", "latest")
		k := ui.DefaultKeyMap()
		press(t, a, k.NextPane)
		press(t, a, k.Enter)
	}},
	{"detail-entry", func(t *testing.T, a *ui.App) {
		openImage(t, a, "demo/app", "v1.1")
		k := ui.DefaultKeyMap()
		press(t, a, k.NextPane)
		press(t, a, k.Enter)
		press(t, a, k.Enter)
	}},
	{"verify-image", func(t *testing.T, a *ui.App) {
		openImage(t, a, "demo/app", "v1.0")
		press(t, a, ui.DefaultKeyMap().Verify)
	}},
	{"verify-stealth", func(t *testing.T, a *ui.App) {
		openImage(t, a, "demo/stealth", "v1")
		press(t, a, ui.DefaultKeyMap().Verify)
	}},
	{"consistency", func(t *testing.T, a *ui.App) {
		press(t, a, ui.DefaultKeyMap().Consistency)
	}},
	{"search", func(t *testing.T, a *ui.App) {
		press(t, a, ui.DefaultKeyMap().Search)
		typeText(t, a, "*")
		send(t, a, keyMsg("enter"))
	}},
	{"help", func(t *testing.T, a *ui.App) {
		press(t, a, ui.DefaultKeyMap().Help)
	}},
}

func TestGolden(t *testing.T) {
	for _, st := range goldenStates {
		for _, sz := range goldenSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", st.name, sz[0], sz[1]), func(t *testing.T) {
				a, _ := newTestApp(t, sz[0], sz[1])
				st.setup(t, a)
				golden.RequireEqual(t, screen(t, a, sz[0], sz[1]))
			})
		}
	}
}

func TestGoldenErrors(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			a, fb := newTestApp(t, sz[0], sz[1])
			fb.Err = errors.New("dial tcp 127.0.0.1:5000: connection refused")
			press(t, a, ui.DefaultKeyMap().Refresh)
			golden.RequireEqual(t, screen(t, a, sz[0], sz[1]))
		})
	}
}
