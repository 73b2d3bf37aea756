package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
)

// TIMELINE. The timeline overlay shows the selected image's timeline
// (inspect.TimelineForImage, as `provscope timeline` prints it): entries in
// time order with their signers, key uses, certificate windows and moved
// tags. Every foreign string is sanitised where the lines are built.

// TimelineSource is implemented by a Backend that builds an image's
// timeline (ui/backend does, with the registry and log it reads).
type TimelineSource interface {
	Timeline(ctx context.Context, ref string) (*inspect.Timeline, error)
}

// timelineLoadedMsg carries a built timeline (or why not) for request id.
type timelineLoadedMsg struct {
	id  int
	ref string
	tl  *inspect.Timeline
	err error
}

// timelineFlow is the App's state of the timeline overlay.
type timelineFlow struct {
	tl          *timelineState // nil until t is first pressed
	timelineReq int
}

// timelineState is the overlay's content and scroll position.
type timelineState struct {
	ref   string
	lines []string
	off   int
	err   error
}

func timelineCmd(ctx context.Context, src TimelineSource, ref string, id int) tea.Cmd {
	return func() tea.Msg {
		tl, err := src.Timeline(ctx, ref)
		return timelineLoadedMsg{id: id, ref: ref, tl: tl, err: err}
	}
}

// openTimeline asks the backend for the selected image's timeline.
func (a *App) openTimeline() tea.Cmd {
	src, ok := a.c.Backend.(TimelineSource)
	switch {
	case !ok:
		a.status = "timelines are not available with this backend"
		return nil
	case a.selImage == "":
		a.status = "select an image to see its timeline"
		return nil
	}
	a.timelineReq = a.nextID()
	a.tl = &timelineState{ref: a.selImage, lines: []string{"building the timeline…"}}
	a.overlay = overlayTimeline
	return timelineCmd(a.c.ctx(), src, a.selImage, a.timelineReq)
}

// handleTimelineMsg applies a message of the timeline overlay; ok is
// false for any other message.
func (a *App) handleTimelineMsg(msg tea.Msg) (tea.Cmd, bool) {
	tm, ok := msg.(timelineLoadedMsg)
	if ok {
		a.handleTimeline(tm)
	}
	return nil, ok
}

// handleTimeline takes a timelineLoadedMsg; stale answers are dropped.
func (a *App) handleTimeline(msg timelineLoadedMsg) {
	if msg.id != a.timelineReq || a.tl == nil {
		return
	}
	a.tl.err = msg.err
	a.tl.lines = nil
	if msg.tl != nil {
		a.tl.lines = timelineLines(msg.tl)
	}
}

// timelineKey scrolls the overlay; esc (or any other key) closes it.
func (a *App) timelineKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "ctrl+c":
		return tea.Quit
	case a.scrollKey(msg, a.scrollTimeline, a.helpRows()):
	default:
		a.overlay = overlayNone
	}
	return nil
}

func (a *App) scrollTimeline(d int) {
	if a.tl != nil {
		a.tl.off = max(min(a.tl.off+d, len(a.tl.lines)-a.helpRows()), 0)
	}
}

func (a *App) timelineView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	if a.tl == nil {
		return ""
	}
	lines := append([]string(nil), a.tl.lines...)
	if a.tl.err != nil {
		lines = append([]string{st.Pane.Error.Render("✗ " + safe(a.tl.err.Error()))}, lines...)
	}
	rows := a.helpRows()
	a.tl.off = max(min(a.tl.off, len(lines)-rows), 0)
	note := "  (esc closes)"
	if len(lines) > rows {
		total := len(lines)
		lines = lines[a.tl.off:min(a.tl.off+rows, len(lines))]
		note = fmt.Sprintf("  %d–%d of %d · ↑↓ scroll · esc closes", a.tl.off+1, a.tl.off+len(lines), total)
	}
	title := st.Detail.Heading.Render("Timeline of "+safe(a.tl.ref)) + st.Detail.Note.Render(note)
	if lipgloss.Width(title) > bw {
		title = fit(title, bw)
	}
	for i, l := range lines {
		lines[i] = fit(l, bw)
	}
	return title + "\n" + strings.Join(lines, "\n")
}

// timelineLines renders a timeline as the overlay's plain lines:
// report.TimelineLines, which sanitises every foreign string as safe and
// short do (safetext.Line, safetext.Truncate) where the lines are built.
func timelineLines(tl *inspect.Timeline) []string { return report.TimelineLines(tl) }
