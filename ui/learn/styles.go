package learn

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui/theme"
)

// Styles holds every style the teaching mode draws with.
type Styles struct {
	NoColor bool

	Title, Tab, TabActive, Muted, Text, Heading, Key, Hash lipgloss.Style
	Pass, Fail, Warn                                       lipgloss.Style
	Lesson, LessonTitle                                    lipgloss.Style
	Input                                                  lipgloss.Style

	// Tree node classes, see nodeClass.
	Node struct {
		Normal, Ephemeral, Collapsed, Edge, EdgeEphemeral lipgloss.Style
		Selected, Path, Sibling, Current, Done            lipgloss.Style
		Old, Reused, Changed, Level                       lipgloss.Style
	}
}

// DefaultStyles returns the styles for a dark or light background, in the
// explorer's palette (ui/theme); noColor (NO_COLOR) keeps only attributes
// such as bold, underline and reverse.
func DefaultStyles(isDark, noColor bool) Styles {
	p := theme.DefaultPalette(isDark)
	fg := func(c color.Color) lipgloss.Style {
		if noColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(c)
	}
	s := Styles{NoColor: noColor}
	s.Title = fg(p.Accent).Bold(true)
	s.Tab = fg(p.Muted)
	s.TabActive = fg(p.Accent).Bold(true).Underline(true)
	s.Muted = fg(p.Muted)
	s.Text = fg(p.Text)
	s.Heading = fg(p.Accent).Bold(true)
	s.Key = fg(p.Pending).Bold(true)
	s.Hash = fg(p.Text)
	s.Pass = fg(p.Verified).Bold(true)
	s.Fail = fg(p.Failed).Bold(true)
	s.Warn = fg(p.Pending)
	s.Lesson = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	if !noColor {
		s.Lesson = s.Lesson.BorderForeground(p.Accent)
	}
	s.LessonTitle = fg(p.Accent).Bold(true)
	s.Input = fg(p.Accent)

	n := &s.Node
	n.Normal = fg(p.Text)
	n.Ephemeral = fg(p.Pending).Italic(true)
	n.Collapsed = fg(p.Muted)
	n.Edge = fg(p.Border)
	if noColor {
		n.Edge = lipgloss.NewStyle()
	}
	n.EdgeEphemeral = fg(p.Pending)
	n.Selected = fg(p.Accent).Bold(true).Reverse(true)
	n.Path = fg(p.Accent).Bold(true)
	n.Sibling = fg(p.Pending).Bold(true).Underline(true)
	n.Current = fg(p.Accent).Bold(true).Reverse(true)
	n.Done = fg(p.Verified).Bold(true)
	n.Old = fg(p.Accent)
	n.Reused = fg(p.Verified).Bold(true).Underline(true)
	n.Changed = fg(p.Failed).Bold(true).Reverse(true)
	n.Level = fg(p.Muted)
	if !noColor {
		n.Selected = n.Selected.Reverse(false).Background(p.SelectedBg)
		n.Current = n.Current.Reverse(false).Background(p.SelectedBg)
	}
	return s
}

// Check renders the pass or fail mark of a comparison, with the explorer's
// glyphs for a passed and a failed step.
func (s Styles) Check(ok bool) string {
	if ok {
		return s.Pass.Render(theme.StatusGlyph(model.StatusPass))
	}
	return s.Fail.Render(theme.StatusGlyph(model.StatusFail))
}
