package theme_test

import (
	"fmt"
	"image/color"
	"testing"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/learn"
	"github.com/provscope/provscope/ui/theme"
)

var (
	statuses = []model.Status{model.StatusPending, model.StatusPass, model.StatusFail, model.StatusSkipped}
	verdicts = []model.Verdict{
		model.VerdictPending, model.VerdictVerified, model.VerdictFailed, model.VerdictUnsigned,
		model.VerdictNotLogged, model.VerdictError, model.VerdictUnpinned,
	}
)

// Without colour a state is told by its glyph alone, so no two may share one.
func TestGlyphsAreDistinct(t *testing.T) {
	distinct(t, statuses, theme.StatusGlyph)
	distinct(t, verdicts, theme.VerdictGlyph)
}

func distinct[T fmt.Stringer](t *testing.T, states []T, glyph func(T) string) {
	t.Helper()
	seen := map[string]T{}
	for _, s := range states {
		g := glyph(s)
		if prev, ok := seen[g]; ok || g == "" {
			t.Errorf("%v has glyph %q, as %v does", s, g, prev)
		}
		seen[g] = s
	}
}

func TestGlyphsAndWords(t *testing.T) {
	for _, tc := range []struct {
		s    model.Status
		want string
	}{
		{model.StatusPass, "✓"}, {model.StatusFail, "✗"}, {model.StatusSkipped, "–"}, {model.StatusPending, "…"},
	} {
		if got := theme.StatusGlyph(tc.s); got != tc.want {
			t.Errorf("StatusGlyph(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v           model.Verdict
		glyph, word string
	}{
		{model.VerdictVerified, "✓", "verified"},
		{model.VerdictNotLogged, "!", "not logged"},
		{model.VerdictUnpinned, "◇", "unpinned"},
		{model.VerdictPending, "…", "pending"},
	} {
		if g, w := theme.VerdictGlyph(tc.v), theme.VerdictWord(tc.v); g != tc.glyph || w != tc.word {
			t.Errorf("verdict %v: glyph %q word %q, want %q %q", tc.v, g, w, tc.glyph, tc.word)
		}
	}
}

// The CLI's renderer (internal/report, below ui) cannot import the theme;
// it must still mark a step as the explorer does.
func TestCLIMarksStepsAsTheExplorer(t *testing.T) {
	for _, s := range statuses {
		if got, want := report.Mark(s), theme.StatusGlyph(s); got != want {
			t.Errorf("report.Mark(%v) = %q, explorer draws %q", s, got, want)
		}
	}
}

func TestDefaultPaletteFollowsBackground(t *testing.T) {
	dark, light := fields(theme.DefaultPalette(true)), fields(theme.DefaultPalette(false))
	for name, d := range dark {
		if d == nil || light[name] == nil {
			t.Errorf("%s is unset", name)
			continue
		}
		if same(d, light[name]) {
			t.Errorf("%s is the same colour on dark and light backgrounds", name)
		}
	}
}

// The explorer and the teaching mode draw a verified, a passed and a failed
// mark in the same colour: both build their styles from one palette.
func TestExplorerAndLearnShareColours(t *testing.T) {
	for _, dark := range []bool{true, false} {
		u, l := ui.DefaultStyles(dark), learn.DefaultStyles(dark, false)
		for _, tc := range []struct {
			name     string
			ui, lern color.Color
		}{
			{"verified badge / pass", u.Badge.Verified.GetForeground(), l.Pass.GetForeground()},
			{"step pass / pass", u.Detail.Pass.GetForeground(), l.Pass.GetForeground()},
			{"step fail / fail", u.Detail.Fail.GetForeground(), l.Fail.GetForeground()},
			{"title", u.App.Title.GetForeground(), l.Title.GetForeground()},
		} {
			if tc.ui == nil || !same(tc.ui, tc.lern) {
				t.Errorf("dark=%v %s: explorer %v, learn %v", dark, tc.name, tc.ui, tc.lern)
			}
		}
		if u.StepGlyph(model.StatusPass) == "" || u.StepGlyph(model.StatusPass) != l.Pass.UnsetBold().Render(theme.StatusGlyph(model.StatusPass)) {
			t.Errorf("dark=%v: explorer's pass mark %q, learn's style draws %q", dark, u.StepGlyph(model.StatusPass), l.Pass.UnsetBold().Render("✓"))
		}
		if got := l.Check(true); got != l.Pass.Render(theme.StatusGlyph(model.StatusPass)) {
			t.Errorf("dark=%v: learn's pass mark %q", dark, got)
		}
	}
}

func TestNoColor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		want    bool
	}{
		{"unset", []string{"TERM=xterm"}, false},
		{"empty", []string{"NO_COLOR="}, false},
		{"set", []string{"TERM=xterm", "NO_COLOR=1"}, true},
		{"any value", []string{"NO_COLOR=false"}, true},
		{"another name", []string{"XNO_COLOR=1", "NO_COLOR_X=1"}, false},
	} {
		if got := theme.NoColorIn(tc.environ); got != tc.want {
			t.Errorf("%s: NoColorIn(%q) = %v, want %v", tc.name, tc.environ, got, tc.want)
		}
	}
	t.Setenv("NO_COLOR", "")
	if theme.NoColor() {
		t.Error("NoColor() with NO_COLOR empty = true")
	}
	t.Setenv("NO_COLOR", "1")
	if !theme.NoColor() {
		t.Error("NoColor() with NO_COLOR=1 = false")
	}
}

func fields(p theme.Palette) map[string]color.Color {
	return map[string]color.Color{
		"Verified": p.Verified, "Failed": p.Failed, "Pending": p.Pending, "Warning": p.Warning, "Muted": p.Muted,
		"Accent": p.Accent, "Border": p.Border, "Text": p.Text, "SelectedBg": p.SelectedBg,
	}
}

func same(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
