package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/model"
)

// Messages the entries pane sends to the App.

// SelectEntryMsg says the cursor now rests on entry Index of the list.
type SelectEntryMsg struct{ Index int }

// entriesPane lists log entries: those about the selected image, or a
// search's results. Rows are entry IDs; the entries themselves are paged in
// from the log as they scroll into view and evicted far from the cursor,
// and only the visible window is rendered (bodies decoded lazily), so
// 100,000 rows stay smooth and bounded in memory.
type entriesPane struct {
	c     *Common
	s     *session
	win   window
	refs  []string
	cache map[int]model.LogEntry
	infos map[int]entryInfo
	// gen numbers the list; page answers for an older list are dropped.
	gen      int
	inflight map[int]bool
	pageErr  error
	title    string
	loading  bool
	err      error
	w, h     int
	focused  bool
	spinner  string
	// retry re-issues the request that filled the pane with a new ID.
	retry func(id int) tea.Cmd
}

// entriesPage is how many entries one page request fetches.
const entriesPage = 50

// maxCached bounds the entries held for a long list unless Common.MaxRows
// says otherwise; minCached is the least bound taken.
const (
	maxCached = 4 * 1024
	minCached = 4 * entriesPage
)

// cacheLimit is how many entries (and decoded rows) the pane keeps.
func (p *entriesPane) cacheLimit() int {
	if p.c.MaxRows > 0 {
		return max(p.c.MaxRows, minCached)
	}
	return maxCached
}

func newEntriesPane(c *Common, s *session) *entriesPane {
	return &entriesPane{
		c: c, s: s, title: "Entries", cache: map[int]model.LogEntry{},
		infos: map[int]entryInfo{}, inflight: map[int]bool{},
	}
}

func (p *entriesPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.win.setHeight(h - 1)
}

func (p *entriesPane) Init() tea.Cmd { return nil }

func (p *entriesPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	enter := k.Enter
	enter.SetHelp("enter", "show proof")
	return []key.Binding{k.Up, k.Down, enter, k.Verify, k.Search}
}

func (p *entriesPane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// setEntries replaces the list with refs; full, when given, holds every
// entry already (len(full) == len(refs)).
func (p *entriesPane) setEntries(title string, refs []string, full []model.LogEntry, err error) {
	p.title, p.refs, p.err, p.loading, p.pageErr = title, refs, err, false, nil
	p.gen++
	p.cache = make(map[int]model.LogEntry, len(full))
	for i, e := range full {
		p.cache[i] = e
	}
	p.infos = map[int]entryInfo{}
	p.inflight = map[int]bool{}
	p.win = window{height: p.win.height}
	p.win.setLen(len(refs))
}

func (p *entriesPane) setLoading(title string) {
	p.setEntries(title, nil, nil, nil)
	p.loading = true
}

// missingPages returns the first row of each page around the visible
// window that is neither cached nor requested, and marks them requested.
func (p *entriesPane) missingPages() []int {
	if len(p.refs) == 0 || p.pageErr != nil {
		return nil
	}
	from, to := p.win.visible()
	from = max(from-entriesPage/2, 0)
	to = min(to+entriesPage/2, len(p.refs))
	var out []int
	for start := from / entriesPage * entriesPage; start < to; start += entriesPage {
		if p.inflight[start] {
			continue
		}
		need := false
		for i := max(start, from); i < min(start+entriesPage, to); i++ {
			if _, ok := p.cache[i]; !ok {
				need = true
				break
			}
		}
		if need {
			p.inflight[start] = true
			out = append(out, start)
		}
	}
	return out
}

// addPage stores a fetched page and evicts entries far from the cursor.
func (p *entriesPane) addPage(gen, from int, es []model.LogEntry, err error) {
	if gen != p.gen {
		return
	}
	delete(p.inflight, from)
	if err != nil {
		p.pageErr = err
		return
	}
	for i, e := range es {
		p.cache[from+i] = e
	}
	if limit := p.cacheLimit(); len(p.cache) > limit {
		// Keep the visible window and a quarter of the limit either side.
		from, to := p.win.visible()
		lo, hi := min(from, p.win.cursor)-limit/4, max(to, p.win.cursor)+limit/4
		for i := range p.cache {
			if i < lo || i > hi {
				delete(p.cache, i)
				delete(p.infos, i)
			}
		}
	}
}

func (p *entriesPane) current() (model.LogEntry, bool) {
	e, ok := p.cache[p.win.cursor]
	return e, ok && p.win.cursor < len(p.refs)
}

func (p *entriesPane) info(i int) (entryInfo, bool) {
	if in, ok := p.infos[i]; ok {
		return in, true
	}
	e, ok := p.cache[i]
	if !ok {
		return entryInfo{}, false
	}
	in := decodeEntry(e)
	if len(p.infos) > p.cacheLimit() {
		clear(p.infos)
	}
	p.infos[i] = in
	return in, true
}

func (p *entriesPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	before := p.win.cursor
	if !p.win.navigate(km, p.c.Keys) {
		return nil
	}
	if p.win.cursor == before || len(p.refs) == 0 {
		return nil
	}
	return msgCmd(SelectEntryMsg{Index: p.win.cursor})
}

func (p *entriesPane) selectedValue() string {
	if p.win.cursor < len(p.refs) {
		return p.refs[p.win.cursor]
	}
	return ""
}

func (p *entriesPane) heading() string {
	t := p.title
	if ref, ok := strings.CutPrefix(t, entriesTitle("")); ok {
		t = entriesTitle(refLabel(ref)) // flagged like the images pane's rows
	}
	if si := p.win.scrollInfo(); si != "" {
		t += " " + si
	} else if len(p.refs) > 0 {
		t += " (" + strconv.Itoa(len(p.refs)) + ")"
	}
	return t
}

func (p *entriesPane) View() string {
	st := p.c.Styles
	w, h := p.w, p.h
	if w <= 0 || h <= 0 {
		return ""
	}
	switch {
	case p.err != nil:
		return clip(append(styledWrap(st.Pane.Error, "✗ "+p.err.Error(), w), styledWrap(st.Pane.Empty, "press r to retry", w)...), w, h)
	case p.loading:
		return clip([]string{p.spinner + " searching the log…"}, w, h)
	case len(p.refs) == 0:
		msg := "select an image (enter on a repository, then a tag), or press / to search the log"
		if p.title != "Entries" {
			msg = "no log entries"
		}
		return clip(styledWrap(st.Pane.Empty, msg, w), w, h)
	}
	// Columns: status, kind, index, time, signer; drop from the right.
	showTime := w >= 70
	showKind := w >= 46
	kindW := 13
	if w >= 90 {
		kindW = 18
	}
	cols := "S "
	if showKind {
		cols += fit("KIND", kindW) + " "
	}
	cols += fit("LOG INDEX", 10) + " "
	if showTime {
		cols += fit("INTEGRATED (UTC)", 17) + " "
	}
	cols += "SIGNER"
	lines := []string{st.List.Header.Render(fit(cols, w))}
	from, to := p.win.visible()
	for i := from; i < to; i++ {
		e, ok := p.cache[i]
		if !ok {
			row := fit(st.Badge.Pending.Render("…")+" "+st.Pane.Empty.Render("loading "+hexShort(p.refs[i], 24)), w)
			if p.pageErr != nil {
				row = fit(st.Pane.Error.Render("✗ "+safe(p.pageErr.Error())+" (r to retry)"), w)
			}
			if i == p.win.cursor {
				row = st.List.SelectedBlurred.Render(row)
			}
			lines = append(lines, row)
			continue
		}
		in, _ := p.info(i)
		v := p.s.results[entryKey(e.UUID)]
		glyph := st.Badge.Unsigned.Render("·")
		if v != nil {
			glyph = st.BadgeShort(v.verdict())
		}
		kind := string(in.Kind)
		if kind == "" {
			kind = string(e.Kind)
		}
		if in.APIVersion != "" {
			kind += " " + in.APIVersion
		}
		kind = safe(kind)
		row := glyph + " "
		if showKind {
			row += fit(kind, kindW) + " "
		}
		row += fit(strconv.FormatInt(e.LogIndex, 10), 10) + " "
		if showTime {
			t := "—"
			if !e.IntegratedTime.IsZero() {
				t = e.IntegratedTime.UTC().Format("2006-01-02 15:04")
			}
			row += fit(t, 17) + " "
		}
		signer := safe(in.Signer.String())
		if in.Err != "" && in.Signer == (model.Signer{}) {
			signer = "undecodable body"
		}
		row += signer
		row = fit(row, w)
		if i == p.win.cursor {
			// One style across the whole row: inner styles would cut the
			// highlight short.
			if p.focused {
				row = st.List.Selected.Render(ansi.Strip(row))
			} else {
				row = st.List.SelectedBlurred.Render(ansi.Strip(row))
			}
		}
		lines = append(lines, row)
	}
	return clip(lines, w, h)
}
