package ui

// ENTRIES flow: the log entries of the selected image or of a search, read
// a page at a time as they scroll into view, and the entry selected for
// the proof and detail panes. A list's results carry its request ID and
// its pages the list's generation; stale ones are dropped.

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// entriesFlow is the App's state of the entries flow.
type entriesFlow struct {
	entriesReq int
	// imageEntries are the selected image's entries, which back goes back
	// to after a search, and export writes.
	imageEntries *entriesLoadedMsg
}

// entriesLoadedMsg is a list of entries (an image's or a search's) for
// request id.
type entriesLoadedMsg struct {
	id    int
	title string
	// uuids are the rows; entries, when set, are all of them already.
	uuids   []string
	entries []model.LogEntry
	// note is the search's remark for the status line.
	note string
	err  error
}

// pageLoadedMsg is the entries of one page of list generation gen, from
// row from.
type pageLoadedMsg struct {
	gen, from int
	entries   []model.LogEntry
	err       error
}

// handleEntriesMsg applies a message of the entries flow; ok is false for
// any other message.
func (a *App) handleEntriesMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case entriesLoadedMsg:
		return a.entriesLoaded(msg), true
	case SelectEntryMsg:
		if msg.Index != a.entries.win.cursor {
			return nil, true
		}
		return a.selectEntry(msg.Index), true
	case pageLoadedMsg:
		return a.pageLoaded(msg), true
	}
	return nil, false
}

// entriesLoaded shows a list of entries; an image's are also verified in
// the background for the status column (a search's results are verified
// on v).
func (a *App) entriesLoaded(msg entriesLoadedMsg) tea.Cmd {
	if msg.id != a.entriesReq {
		return nil
	}
	err := msg.err
	if err != nil && retryable(err) {
		err = fmt.Errorf("reading the log: %w", err)
	}
	a.entries.setEntries(msg.title, msg.uuids, msg.entries, err)
	if msg.note != "" {
		a.status = msg.note
	}
	if a.selImage != "" && msg.title == entriesTitle(a.selImage) {
		m := msg
		a.imageEntries = &m
		for i := range msg.entries {
			if len(msg.entries) > 64 {
				break
			}
			e := msg.entries[i]
			if a.s.results[entryKey(e.UUID)] == nil {
				a.bgQueue = append(a.bgQueue, bgJob{entry: &e})
			}
		}
	}
	return tea.Batch(a.selectEntryQuiet(0), a.pumpBackground())
}

// pageLoaded fills a page of the list; the entry under the cursor goes to
// the proof pane once it has arrived.
func (a *App) pageLoaded(msg pageLoadedMsg) tea.Cmd {
	if msg.gen != a.entries.gen {
		return nil // a page of a list since replaced
	}
	a.entries.addPage(msg.gen, msg.from, msg.entries, msg.err)
	if e, ok := a.entries.current(); ok && (a.proof.entry == nil || a.proof.entry.UUID != e.UUID) {
		return a.selectEntry(a.entries.win.cursor)
	}
	return nil
}

func (a *App) search(q string) tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	a.entriesReq = a.nextID()
	a.entries.setLoading("Search “" + q + "”")
	ctx, b := a.c.ctx(), a.c.Backend
	a.entries.retry = func(id int) tea.Cmd { return searchCmd(ctx, b, q, id) }
	a.setFocus(PaneEntries)
	return tea.Batch(a.entries.retry(a.entriesReq), a.startSpin())
}

func (a *App) loadEntries(ref string) tea.Cmd {
	is := a.s.images[ref]
	if is == nil || a.c.Backend == nil {
		return nil
	}
	a.entriesReq = a.nextID()
	a.entries.setLoading(entriesTitle(ref))
	atts := append([]model.Attachment(nil), is.atts...)
	ctx, b, img, title := a.c.ctx(), a.c.Backend, is.img, entriesTitle(ref)
	a.entries.retry = func(id int) tea.Cmd { return entriesForCmd(ctx, b, title, img, atts, id) }
	return tea.Batch(a.entries.retry(a.entriesReq), a.startSpin())
}

func entriesTitle(ref string) string { return "Entries · " + ref }

// fetchPages asks the log for the entries scrolling into view.
func (a *App) fetchPages() tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	var cmds []tea.Cmd
	for _, from := range a.entries.missingPages() {
		to := min(from+entriesPage, len(a.entries.refs))
		uuids := append([]string(nil), a.entries.refs[from:to]...)
		cmds = append(cmds, pageCmd(a.c.ctx(), a.c.Backend, uuids, a.entries.gen, from))
	}
	return tea.Batch(cmds...)
}

// selectEntry shows entry i in the proof and detail panes.
func (a *App) selectEntry(i int) tea.Cmd {
	a.entries.win.moveTo(i)
	e, ok := a.entries.current()
	if !ok {
		a.proof.setEntry(nil)
		return nil
	}
	a.proof.setEntry(&e)
	a.detail.showEntry(&e)
	return nil
}

// selectEntryQuiet fills the proof pane without taking the detail pane
// from the image the user is looking at.
func (a *App) selectEntryQuiet(i int) tea.Cmd {
	a.entries.win.moveTo(i)
	e, ok := a.entries.current()
	if !ok {
		a.proof.setEntry(nil)
		return nil
	}
	a.proof.setEntry(&e)
	if a.focus != PaneImages && a.selImage == "" {
		a.detail.showEntry(&e)
	}
	return nil
}

func entriesForCmd(ctx context.Context, b Backend, title string, img model.Image, atts []model.Attachment, id int) tea.Cmd {
	return func() tea.Msg {
		es, err := b.EntriesFor(ctx, img, atts)
		uuids := make([]string, len(es))
		for i, e := range es {
			uuids[i] = e.UUID
		}
		return entriesLoadedMsg{id: id, title: title, uuids: uuids, entries: es, err: err}
	}
}

func searchCmd(ctx context.Context, b Backend, q string, id int) tea.Cmd {
	return func() tea.Msg {
		r, err := b.Search(ctx, q)
		return entriesLoadedMsg{id: id, title: "Search “" + q + "”", uuids: r.UUIDs, note: r.Note, err: err}
	}
}

// pageCmd fetches the entries of one page of a list.
func pageCmd(ctx context.Context, b Backend, uuids []string, gen, from int) tea.Cmd {
	return func() tea.Msg {
		es, err := b.Entries(ctx, uuids)
		if err == nil && len(es) != len(uuids) {
			err = fmt.Errorf("log returned %d entries, want %d", len(es), len(uuids))
		}
		if err != nil {
			err = fmt.Errorf("fetching entries: %w", err)
		}
		return pageLoadedMsg{gen: gen, from: from, entries: es, err: err}
	}
}
