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
	// filter narrows the list; view then holds the rows (indices into
	// refs) it keeps, and the window moves over view instead of refs.
	filter listFilter
	view   []int
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
	p.win.setHeight(p.listHeight())
}

// listHeight is how many rows fit under the column header (and the filter
// line while there is one).
func (p *entriesPane) listHeight() int {
	if p.filter.active() {
		return p.h - 2
	}
	return p.h - 1
}

// idx is the index into refs of the list's row pos (-1 when none).
func (p *entriesPane) idx(pos int) int {
	if p.view == nil {
		return pos
	}
	if pos < 0 || pos >= len(p.view) {
		return -1
	}
	return p.view[pos]
}

// rows is how many rows the list shows.
func (p *entriesPane) rows() int {
	if p.view == nil {
		return len(p.refs)
	}
	return len(p.view)
}

// refilter recomputes the rows the filter keeps: an entry matches when
// its log index or ID holds the typed text, or, once loaded, its kind and
// signer hold its letters in order. The cursor stays on its entry when
// that is still shown.
func (p *entriesPane) refilter() {
	cur := p.idx(p.win.cursor)
	if p.filter.in.Value() == "" {
		p.view = nil
	} else {
		p.view = []int{}
		for i := range p.refs {
			if p.filterMatches(i) {
				p.view = append(p.view, i)
			}
		}
	}
	p.win.setHeight(p.listHeight())
	p.win.setLen(p.rows())
	for pos := 0; pos < p.rows(); pos++ {
		if p.idx(pos) == cur {
			p.win.moveTo(pos)
			return
		}
	}
	p.win.moveTo(0)
}

// filterMatches reports whether row i matches the filter. Numbers and
// hex IDs match as substrings: as subsequences nearly every ID would.
func (p *entriesPane) filterMatches(i int) bool {
	q := strings.ToLower(p.filter.in.Value())
	if strings.Contains(strings.ToLower(p.refs[i]), q) {
		return true
	}
	c, ok := p.cells(i)
	if !ok {
		return false
	}
	return strings.Contains(c.index, q) || p.filter.matches(c.kind+" "+c.signer)
}

// clearFilter drops the filter and shows every row again.
func (p *entriesPane) clearFilter() {
	p.filter = listFilter{}
	p.refilter()
}

func (p *entriesPane) Init() tea.Cmd { return nil }

func (p *entriesPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	enter := k.Enter
	enter.SetHelp("enter", "show proof")
	return []key.Binding{enter, k.Verify, k.Filter, k.Search, k.Up, k.Down}
}

func (p *entriesPane) FullHelp() [][]key.Binding {
	k := p.c.Keys
	enter, back := k.Enter, k.Back
	enter.SetHelp("enter", "show its inclusion proof")
	back.SetHelp("esc", "clear filter / back")
	return [][]key.Binding{{k.Up, k.Down, enter, back, k.Verify, k.Filter, k.Search, k.Copy, k.Export}}
}

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
	p.filter, p.view = listFilter{}, nil
	p.win.setHeight(p.listHeight())
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
	if p.view != nil {
		if from >= to {
			return nil
		}
		from, to = p.idx(from), p.idx(to-1)+1
	}
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
	if p.view != nil {
		defer p.refilter() // the new entries may match by their contents
	}
	if limit := p.cacheLimit(); len(p.cache) > limit {
		// Keep the visible window and a quarter of the limit either side.
		from, to := p.win.visible()
		from, to, cur := p.idx(from), p.idx(max(to-1, from))+1, p.idx(p.win.cursor)
		lo, hi := min(from, cur)-limit/4, max(to, cur)+limit/4
		for i := range p.cache {
			if i < lo || i > hi {
				delete(p.cache, i)
				delete(p.infos, i)
			}
		}
	}
}

func (p *entriesPane) current() (model.LogEntry, bool) {
	i := p.idx(p.win.cursor)
	e, ok := p.cache[i]
	return e, ok && i >= 0 && i < len(p.refs)
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
	if p.win.cursor == before || p.rows() == 0 {
		return nil
	}
	return msgCmd(SelectEntryMsg{Index: p.win.cursor})
}

func (p *entriesPane) selectedValue() string {
	if i := p.idx(p.win.cursor); i >= 0 && i < len(p.refs) {
		return p.refs[i]
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
	} else if p.rows() > 0 {
		t += " (" + strconv.Itoa(p.rows()) + ")"
	}
	return t
}

// entryCells are the texts of row i's columns (sanitised), false while
// the entry is not loaded.
type entryCells struct {
	kind, index, time, signer string
	// kindBase is the kind without its API version, for a narrow pane.
	kindBase string
}

func (p *entriesPane) cells(i int) (entryCells, bool) {
	e, ok := p.cache[i]
	if !ok {
		return entryCells{}, false
	}
	in, _ := p.info(i)
	kind := string(in.Kind)
	if kind == "" {
		kind = string(e.Kind)
	}
	base := kind
	if in.APIVersion != "" {
		kind += " " + in.APIVersion
	}
	t := "—"
	if !e.IntegratedTime.IsZero() {
		t = e.IntegratedTime.UTC().Format("2006-01-02 15:04")
	}
	signer := safe(in.Signer.String())
	if in.Err != "" && in.Signer == (model.Signer{}) {
		signer = "undecodable body"
	}
	return entryCells{kind: safe(kind), kindBase: safe(base), index: strconv.FormatInt(e.LogIndex, 10), time: t, signer: signer}, true
}

// Entries columns: the time's width, and the least a signer keeps before
// the time column, then the kind column, is dropped.
const (
	entTimeW      = 16
	entSignerMin  = 16
	entKindMax    = 24
	entSignerMax  = 64
	entEmptyWidth = 60
)

// widths are the kind, index and signer widths the visible rows need
// (the kind without its version when base).
func (p *entriesPane) widths(base bool) (kindW, idxW, signerW int) {
	kindW, idxW, signerW = len("KIND"), len("LOG INDEX"), len("SIGNER")
	from, to := p.win.visible()
	for pos := from; pos < to; pos++ {
		if c, ok := p.cells(p.idx(pos)); ok {
			k := c.kind
			if base {
				k = c.kindBase
			}
			kindW = max(kindW, ansi.StringWidth(k))
			idxW = max(idxW, len(c.index))
			signerW = max(signerW, ansi.StringWidth(c.signer))
		}
	}
	return min(kindW, entKindMax), idxW, min(signerW, entSignerMax)
}

// wantWidth is the width the pane's columns need for the rows on screen.
func (p *entriesPane) wantWidth() int {
	if p.rows() == 0 {
		return entEmptyWidth
	}
	kindW, idxW, signerW := p.widths(false)
	return 2 + kindW + 1 + idxW + 1 + entTimeW + 1 + max(signerW, entSignerMin)
}

// rowAt returns the list position under line y of the pane's body (0 is
// its first line), if any.
func (p *entriesPane) rowAt(y int) (int, bool) {
	y-- // column header
	if p.filter.active() {
		y--
	}
	from, to := p.win.visible()
	if y < 0 || from+y >= to {
		return 0, false
	}
	return from + y, true
}

func (p *entriesPane) View() string {
	st := p.c.Styles
	w, h := p.w, p.h
	if w <= 0 || h <= 0 {
		return ""
	}
	switch {
	case p.err != nil && !retryable(p.err):
		return clip(styledWrap(st.Pane.Error, "✗ "+p.err.Error(), w), w, h)
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
	var lines []string
	if p.filter.active() {
		lines = append(lines, p.filter.view(st, w, p.rows(), len(p.refs)))
	}
	// Columns follow the rows on screen; with too little room the time
	// goes first, then the kind's version (so the signer stays whole),
	// then the kind.
	kindW, idxW, signerW := p.widths(false)
	showKind, showTime, baseKind := true, true, false
	if 2+kindW+1+idxW+1+entTimeW+1+entSignerMin > w {
		showTime = false
	}
	if !showTime && 2+kindW+1+idxW+1+signerW > w {
		baseKind = true
		kindW, _, _ = p.widths(true)
	}
	if !showTime && 2+kindW+1+idxW+1+entSignerMin > w {
		showKind = false
	}
	cols := "S "
	if showKind {
		cols += fit("KIND", kindW) + " "
	}
	cols += fit("LOG INDEX", idxW) + " "
	if showTime {
		cols += fit("INTEGRATED (UTC)", entTimeW) + " "
	}
	cols += "SIGNER"
	lines = append(lines, st.List.Header.Render(fit(cols, w)))
	if p.rows() == 0 {
		lines = append(lines, st.Pane.Empty.Render("nothing matches the filter"))
	}
	from, to := p.win.visible()
	for pos := from; pos < to; pos++ {
		i := p.idx(pos)
		c, ok := p.cells(i)
		if !ok {
			row := fit(st.Badge.Pending.Render("…")+" "+st.Pane.Empty.Render("loading "+hexShort(p.refs[i], 24)), w)
			if p.pageErr != nil {
				row = fit(st.Pane.Error.Render("✗ "+safe(p.pageErr.Error())+" (r to retry)"), w)
			}
			if pos == p.win.cursor {
				row = st.List.SelectedBlurred.Render(row)
			}
			lines = append(lines, row)
			continue
		}
		e := p.cache[i]
		v := p.s.results[entryKey(e.UUID)]
		glyph := st.Badge.Unsigned.Render("·")
		if v != nil {
			glyph = st.BadgeShort(v.verdict())
		}
		row := glyph + " "
		if showKind {
			k := c.kind
			if baseKind {
				k = c.kindBase
			}
			row += fit(k, kindW) + " "
		}
		row += fit(c.index, idxW) + " "
		if showTime {
			row += fit(c.time, entTimeW) + " "
		}
		row += c.signer
		row = fit(row, w)
		if pos == p.win.cursor {
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
