package ui

import tea "charm.land/bubbletea/v2"

// The mouse: a click on a pane focuses it, on a list row selects that row
// (a second click on the selected row opens it, as enter does), on a tab
// of the one-pane layout shows that pane; the wheel scrolls the pane under
// the pointer. Overlays and the teaching mode take no clicks.

// wheelStep is how many rows one notch of the wheel scrolls.
const wheelStep = 3

func (a *App) paneAt(x, y int) (Pane, bool) {
	for _, p := range a.panes() {
		if r, ok := a.rects[p]; ok && r.contains(x, y) {
			return p, true
		}
	}
	return 0, false
}

func (a *App) handleClick(m tea.Mouse) tea.Cmd {
	if m.Button != tea.MouseLeft || a.overlay != overlayNone || a.focus == PaneLearn {
		return nil
	}
	a.status = ""
	if !a.grid() && m.Y == a.dims.top {
		for _, t := range a.tabLayout() {
			if m.X >= t.from && m.X < t.to {
				a.setFocus(t.pane)
			}
		}
		return nil
	}
	p, ok := a.paneAt(m.X, m.Y)
	if !ok {
		return nil
	}
	// A click on another pane focuses it; only a click in the focused
	// pane's selected row opens that row.
	wasFocused := p == a.focus
	if !wasFocused {
		a.setFocus(p)
	}
	line := m.Y - a.rects[p].y - 1 // the top border
	switch p {
	case PaneImages:
		i, ok := a.images.rowAt(line)
		if !ok {
			return nil
		}
		if i == a.images.win.cursor && wasFocused {
			cmd := a.images.toggle()
			if !a.grid() {
				a.forward()
			}
			return cmd
		}
		a.images.win.moveTo(i)
		return a.images.selectionCmd()
	case PaneEntries:
		i, ok := a.entries.rowAt(line)
		if !ok {
			return nil
		}
		if i == a.entries.win.cursor && wasFocused {
			if _, ok := a.entries.current(); ok {
				a.setFocus(PaneProof)
			}
			return nil
		}
		a.entries.win.moveTo(i)
		return msgCmd(SelectEntryMsg{Index: i})
	}
	return nil
}

func (a *App) handleWheel(m tea.Mouse) tea.Cmd {
	if a.overlay == overlayHelp {
		switch m.Button {
		case tea.MouseWheelUp:
			a.scrollHelp(-wheelStep)
		case tea.MouseWheelDown:
			a.scrollHelp(wheelStep)
		}
		return nil
	}
	if a.overlay != overlayNone || a.focus == PaneLearn {
		return nil
	}
	d := 0
	switch m.Button {
	case tea.MouseWheelUp:
		d = -wheelStep
	case tea.MouseWheelDown:
		d = wheelStep
	default:
		return nil
	}
	p, ok := a.paneAt(m.X, m.Y)
	if !ok {
		p = a.focus
	}
	switch p {
	case PaneImages:
		a.images.win.move(d)
		return tea.Batch(a.images.selectionCmd(), a.queueVisibleImages())
	case PaneEntries:
		before := a.entries.win.cursor
		a.entries.win.move(d)
		if a.entries.win.cursor == before {
			return nil
		}
		return msgCmd(SelectEntryMsg{Index: a.entries.win.cursor})
	case PaneProof:
		a.proof.offset += d
		a.proof.clampOffset()
	case PaneDetail:
		a.detail.offset = min(max(a.detail.offset+d, 0), max(len(a.detail.lines)-a.detail.h, 0))
	}
	return nil
}
