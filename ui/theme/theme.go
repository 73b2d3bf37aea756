// Package theme is the one look shared by the explorer (ui) and the teaching
// mode (ui/learn): the semantic palette, the glyphs and words for verdicts
// and step statuses, and the NO_COLOR rule. Panes build their styles from
// it and never name a colour or a state's glyph themselves, so the two
// modes cannot drift apart.
package theme

import (
	"image/color"
	"os"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/model"
)

// Palette is the semantic colours. Everything drawn takes its colour from
// here, never from a literal, so light and dark terminals read correctly
// (NO_COLOR drops the colours and keeps the glyphs and words).
type Palette struct {
	Verified, Failed, Pending, Warning, Muted, Accent, Border, Text, SelectedBg color.Color
}

// DefaultPalette returns the palette for a dark or light terminal
// background.
func DefaultPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		Verified:   ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950")),
		Failed:     ld(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149")),
		Pending:    ld(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922")),
		Warning:    ld(lipgloss.Color("#bc4c00"), lipgloss.Color("#db6d28")),
		Muted:      ld(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e")),
		Accent:     ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff")),
		Border:     ld(lipgloss.Color("#d0d7de"), lipgloss.Color("#30363d")),
		Text:       ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3")),
		SelectedBg: ld(lipgloss.Color("#ddf4ff"), lipgloss.Color("#1f3a5f")),
	}
}

// NoColor reports whether this process's environment asks for no colour:
// NO_COLOR set and not empty (https://no-color.org).
func NoColor() bool {
	return os.Getenv("NO_COLOR") != ""
}

// NoColorIn applies NoColor's rule to an environment given as KEY=value
// pairs, such as the one an SSH client sends for its session (which is not
// the server's own).
func NoColorIn(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return true
		}
	}
	return false
}

// StatusGlyph returns a step status's mark. The table is model's, which the
// CLI reads too, so a skipped step looks the same in both.
func StatusGlyph(s model.Status) string {
	return s.Glyph()
}

// VerdictGlyph returns a verdict's one-character mark; each verdict has its
// own, so a badge reads without colour.
func VerdictGlyph(v model.Verdict) string {
	switch v {
	case model.VerdictVerified:
		return "✓"
	case model.VerdictFailed:
		return "✗"
	case model.VerdictUnsigned:
		return "○"
	case model.VerdictNotLogged:
		return "!"
	case model.VerdictError:
		return "?"
	case model.VerdictUnpinned:
		return "◇"
	}
	return "…"
}

// VerdictWord returns the word shown beside a verdict's glyph: its String,
// but in words where String is a JSON token ("not logged").
func VerdictWord(v model.Verdict) string {
	if v == model.VerdictNotLogged {
		return "not logged"
	}
	return v.String()
}
