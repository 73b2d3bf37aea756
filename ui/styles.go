package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui/theme"
)

// Styles are the explorer's styles, one nested struct per pane.
type Styles struct {
	// NoColor draws with attributes only (bold, reverse); set for NO_COLOR.
	NoColor bool
	// Palette is the shared theme's, the one ui/learn draws with too.
	Palette theme.Palette

	App struct {
		Title     lipgloss.Style
		Header    lipgloss.Style
		Footer    lipgloss.Style
		Banner    lipgloss.Style
		Status    lipgloss.Style
		TabActive lipgloss.Style
		Tab       lipgloss.Style
		Overlay   lipgloss.Style
	}
	Pane struct {
		Border        lipgloss.Style
		BorderFocused lipgloss.Style
		Title         lipgloss.Style
		TitleFocused  lipgloss.Style
		Error         lipgloss.Style
		Empty         lipgloss.Style
	}
	List struct {
		Header   lipgloss.Style
		Row      lipgloss.Style
		Selected lipgloss.Style
		// SelectedBlurred marks the cursor row of a pane without focus.
		SelectedBlurred lipgloss.Style
	}
	Badge struct {
		Verified  lipgloss.Style
		Failed    lipgloss.Style
		Pending   lipgloss.Style
		Unsigned  lipgloss.Style
		NotLogged lipgloss.Style
		Error     lipgloss.Style
	}
	Proof struct {
		Path      lipgloss.Style
		Sibling   lipgloss.Style
		Ephemeral lipgloss.Style
		Hash      lipgloss.Style
		Label     lipgloss.Style
		Match     lipgloss.Style
		Mismatch  lipgloss.Style
	}
	Detail struct {
		Heading lipgloss.Style
		Key     lipgloss.Style
		Value   lipgloss.Style
		Note    lipgloss.Style
		Pass    lipgloss.Style
		Fail    lipgloss.Style
		Skip    lipgloss.Style
	}
}

// DefaultStyles returns the styles for a dark or light terminal background.
func DefaultStyles(isDark bool) Styles {
	p := theme.DefaultPalette(isDark)
	s := Styles{Palette: p}
	s.App.Title = lipgloss.NewStyle().Bold(true).Foreground(p.Accent)
	s.App.Header = lipgloss.NewStyle().Foreground(p.Muted)
	s.App.Footer = lipgloss.NewStyle().Foreground(p.Muted)
	s.App.Banner = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(p.Failed)
	s.App.Status = lipgloss.NewStyle().Foreground(p.Accent)
	s.App.TabActive = lipgloss.NewStyle().Bold(true).Foreground(p.Accent).Underline(true)
	s.App.Tab = lipgloss.NewStyle().Foreground(p.Muted)
	s.App.Overlay = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1)

	s.Pane.Border = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border)
	s.Pane.BorderFocused = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent)
	s.Pane.Title = lipgloss.NewStyle().Foreground(p.Muted).Bold(true)
	s.Pane.TitleFocused = lipgloss.NewStyle().Foreground(p.Accent).Bold(true)
	s.Pane.Error = lipgloss.NewStyle().Foreground(p.Failed)
	s.Pane.Empty = lipgloss.NewStyle().Foreground(p.Muted).Italic(true)

	s.List.Header = lipgloss.NewStyle().Foreground(p.Muted).Bold(true)
	s.List.Row = lipgloss.NewStyle()
	s.List.Selected = lipgloss.NewStyle().Background(p.SelectedBg).Bold(true)
	s.List.SelectedBlurred = lipgloss.NewStyle().Background(p.SelectedBg)

	s.Badge.Verified = lipgloss.NewStyle().Foreground(p.Verified)
	s.Badge.Failed = lipgloss.NewStyle().Foreground(p.Failed).Bold(true)
	s.Badge.Pending = lipgloss.NewStyle().Foreground(p.Pending)
	s.Badge.Unsigned = lipgloss.NewStyle().Foreground(p.Muted)
	s.Badge.NotLogged = lipgloss.NewStyle().Foreground(p.Warning).Bold(true)
	s.Badge.Error = lipgloss.NewStyle().Foreground(p.Warning)

	s.Proof.Path = lipgloss.NewStyle().Foreground(p.Accent).Bold(true)
	s.Proof.Sibling = lipgloss.NewStyle().Foreground(p.Text)
	s.Proof.Ephemeral = lipgloss.NewStyle().Foreground(p.Pending).Italic(true)
	s.Proof.Hash = lipgloss.NewStyle().Foreground(p.Muted)
	s.Proof.Label = lipgloss.NewStyle().Foreground(p.Muted)
	s.Proof.Match = lipgloss.NewStyle().Foreground(p.Verified).Bold(true)
	s.Proof.Mismatch = lipgloss.NewStyle().Foreground(p.Failed).Bold(true)

	s.Detail.Heading = lipgloss.NewStyle().Bold(true).Foreground(p.Accent)
	s.Detail.Key = lipgloss.NewStyle().Foreground(p.Muted)
	s.Detail.Value = lipgloss.NewStyle()
	s.Detail.Note = lipgloss.NewStyle().Foreground(p.Muted).Italic(true)
	s.Detail.Pass = lipgloss.NewStyle().Foreground(p.Verified)
	s.Detail.Fail = lipgloss.NewStyle().Foreground(p.Failed).Bold(true)
	s.Detail.Skip = lipgloss.NewStyle().Foreground(p.Muted)
	return s
}

// NoColorStyles returns styles that use no colour at all, only bold,
// underline and reverse, for NO_COLOR (https://no-color.org). Every state
// also carries a glyph and a word, so nothing depends on colour.
func NoColorStyles() Styles {
	s := DefaultStyles(true)
	plain := lipgloss.NewStyle()
	bold := plain.Bold(true)
	s.NoColor = true
	s.App.Title = bold
	s.App.Header = plain
	s.App.Footer = plain
	s.App.Banner = bold.Reverse(true)
	s.App.Status = plain
	s.App.TabActive = bold.Underline(true)
	s.App.Tab = plain
	s.App.Overlay = plain.Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.Pane.Border = plain.Border(lipgloss.RoundedBorder())
	s.Pane.BorderFocused = plain.Border(lipgloss.ThickBorder())
	s.Pane.Title = plain
	s.Pane.TitleFocused = bold
	s.Pane.Error = bold
	s.Pane.Empty = plain
	s.List.Header = bold
	s.List.Row = plain
	s.List.Selected = plain.Reverse(true)
	s.List.SelectedBlurred = plain.Underline(true)
	for _, st := range []*lipgloss.Style{
		&s.Badge.Verified, &s.Badge.Failed, &s.Badge.Pending, &s.Badge.Unsigned, &s.Badge.NotLogged, &s.Badge.Error,
		&s.Proof.Sibling, &s.Proof.Ephemeral, &s.Proof.Hash, &s.Proof.Label,
		&s.Detail.Key, &s.Detail.Value, &s.Detail.Note, &s.Detail.Pass, &s.Detail.Skip,
	} {
		*st = plain
	}
	s.Badge.Failed = bold
	s.Badge.NotLogged = bold
	s.Proof.Path = bold
	s.Proof.Match = bold
	s.Proof.Mismatch = bold.Reverse(true)
	s.Detail.Heading = bold.Underline(true)
	s.Detail.Fail = bold
	return s
}

// VerdictBadge renders a verdict as glyph + word in its semantic style.
func (s Styles) VerdictBadge(v model.Verdict) string {
	g, st := theme.VerdictGlyph(v), s.verdictStyle(v)
	return st.Render(g + " " + theme.VerdictWord(v))
}

// BadgeShort renders a verdict as its glyph only.
func (s Styles) BadgeShort(v model.Verdict) string {
	return s.verdictStyle(v).Render(theme.VerdictGlyph(v))
}

func (s Styles) verdictStyle(v model.Verdict) lipgloss.Style {
	switch v {
	case model.VerdictVerified:
		return s.Badge.Verified
	case model.VerdictFailed:
		return s.Badge.Failed
	case model.VerdictUnsigned:
		return s.Badge.Unsigned
	case model.VerdictNotLogged:
		return s.Badge.NotLogged
	case model.VerdictError, model.VerdictUnpinned:
		return s.Badge.Error
	}
	return s.Badge.Pending
}

// StepGlyph renders a verification step's status glyph in its style.
func (s Styles) StepGlyph(st model.Status) string {
	return s.stepStyle(st).Render(theme.StatusGlyph(st))
}

func (s Styles) stepStyle(st model.Status) lipgloss.Style {
	switch st {
	case model.StatusPass:
		return s.Detail.Pass
	case model.StatusFail:
		return s.Detail.Fail
	case model.StatusSkipped:
		return s.Detail.Skip
	}
	return s.Badge.Pending
}
