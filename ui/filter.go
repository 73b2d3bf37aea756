package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// listFilter narrows a list in place (the images and entries panes) to the
// rows whose text holds the typed letters in order (a fuzzy subsequence,
// case-insensitive). While typing, keys edit it; enter keeps it, esc
// clears it.
type listFilter struct {
	in     lineInput
	typing bool
}

// active says whether the filter narrows its list or takes keys.
func (f *listFilter) active() bool { return f.typing || f.in.Value() != "" }

// matches reports whether text holds the filter's letters in order.
func (f *listFilter) matches(text string) bool {
	q := strings.ToLower(f.in.Value())
	return q == "" || fuzzyMatch(strings.ToLower(text), q)
}

// view is the filter's line at the top of its pane: what is typed, and how
// many of the rows match.
func (f *listFilter) view(st Styles, w, shown, total int) string {
	in := f.in
	in.Prompt = "filter: "
	in.focused = f.typing
	count := st.Detail.Note.Render(" " + itoa(shown) + "/" + itoa(total))
	hint := st.Detail.Note.Render("  enter keep · esc clear")
	if !f.typing {
		hint = st.Detail.Note.Render("  esc clear")
	}
	tail := count + hint
	return fit(in.View(st, max(w-lipgloss.Width(tail), 10))+tail, w)
}

// focusedFilter is the focused pane's filter, nil for a pane without a
// list.
func (a *App) focusedFilter() *listFilter {
	switch a.focus {
	case PaneImages:
		return &a.images.filter
	case PaneEntries:
		return &a.entries.filter
	}
	return nil
}

// filterKey handles a key while a filter takes text: esc clears it, enter
// keeps it, ↑/↓ move in the narrowed list, others edit it.
func (a *App) filterKey(f *listFilter, msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "esc":
		f.in.Reset()
		f.typing = false
	case msg.String() == "enter":
		f.typing = false
		a.layout()
		return nil
	case msg.String() == "up" || msg.String() == "down":
		if a.focus == PaneImages {
			return a.images.Update(msg)
		}
		return a.entries.Update(msg)
	default:
		before := f.in.Value()
		f.in.Update(msg)
		if f.in.Value() == before {
			return nil
		}
	}
	return a.filterChanged()
}

// filterChanged narrows the focused list to the filter's new text and
// tells the App what the cursor now rests on.
func (a *App) filterChanged() tea.Cmd {
	a.layout()
	if a.focus == PaneImages {
		a.images.rebuild()
		return a.images.selectionCmd()
	}
	a.entries.refilter()
	if _, ok := a.entries.current(); ok && len(a.entries.refs) > 0 {
		return msgCmd(SelectEntryMsg{Index: a.entries.win.cursor})
	}
	return nil
}
