package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// window is the scrolling state of a list that renders only its visible
// rows: a cursor and an offset over n rows, height rows tall. It holds no
// rows itself, so 100,000 entries cost nothing to scroll.
type window struct {
	n, cursor, offset, height int
}

// setLen sets the row count, keeping the cursor in range.
func (w *window) setLen(n int) {
	w.n = max(n, 0)
	w.clamp()
}

// setHeight sets how many rows are visible.
func (w *window) setHeight(h int) {
	w.height = max(h, 1)
	w.clamp()
}

// move moves the cursor by d rows.
func (w *window) move(d int) {
	w.cursor += d
	w.clamp()
}

// moveTo puts the cursor on row i.
func (w *window) moveTo(i int) {
	w.cursor = i
	w.clamp()
}

func (w *window) clamp() {
	if w.height < 1 {
		w.height = 1
	}
	w.cursor = min(max(w.cursor, 0), max(w.n-1, 0))
	if w.cursor < w.offset {
		w.offset = w.cursor
	}
	if w.cursor >= w.offset+w.height {
		w.offset = w.cursor - w.height + 1
	}
	w.offset = min(max(w.offset, 0), max(w.n-w.height, 0))
}

// visible returns the half-open range of rows on screen.
func (w window) visible() (from, to int) {
	return w.offset, min(w.offset+w.height, w.n)
}

// scrollInfo is "12/340" for a pane title, or "" when everything fits.
func (w window) scrollInfo() string {
	if w.n <= w.height || w.n == 0 {
		return ""
	}
	return itoa(w.cursor+1) + "/" + itoa(w.n)
}

// navigate applies a cursor key (up, down, page up/down, top, bottom) from
// the key map; it reports whether km was one.
func (w *window) navigate(km tea.KeyPressMsg, k KeyMap) bool {
	switch {
	case key.Matches(km, k.Up):
		w.move(-1)
	case key.Matches(km, k.Down):
		w.move(1)
	case key.Matches(km, k.PageUp):
		w.move(-w.height)
	case key.Matches(km, k.PageDown):
		w.move(w.height)
	case key.Matches(km, k.Top):
		w.moveTo(0)
	case key.Matches(km, k.Bottom):
		w.moveTo(w.n - 1)
	default:
		return false
	}
	return true
}

// reveal scrolls the least so that rows from..to are on screen, row from
// (the cursor's) first when they cannot all be.
func (w *window) reveal(from, to int) {
	if to >= w.offset+w.height {
		w.offset = to - w.height + 1
	}
	if from < w.offset {
		w.offset = from
	}
	w.offset = min(max(w.offset, 0), max(w.n-w.height, 0))
}
