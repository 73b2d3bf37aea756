package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// Messages the entries pane sends to the App.

// SelectEntryMsg says the cursor now rests on entry Index of the list.
type SelectEntryMsg struct{ Index int }

// entriesPane lists log entries: those about the selected image, or a
// search's results. Only the visible window is rendered, and entry bodies
// are decoded lazily for visible rows only, so 100,000 rows stay smooth.
type entriesPane struct {
	c       *Common
	s       *session
	win     window
	entries []model.LogEntry
	infos   map[int]entryInfo
	title   string
	loading bool
	err     error
	w, h    int
	focused bool
	spinner string
	// retry re-issues the request that filled the pane with a new ID.
	retry func(id int) tea.Cmd
}

func newEntriesPane(c *Common, s *session) *entriesPane {
	return &entriesPane{c: c, s: s, infos: map[int]entryInfo{}, title: "Entries"}
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

// setEntries replaces the list.
func (p *entriesPane) setEntries(title string, es []model.LogEntry, err error) {
	p.title, p.entries, p.err, p.loading = title, es, err, false
	p.infos = map[int]entryInfo{}
	p.win = window{height: p.win.height}
	p.win.setLen(len(es))
}

func (p *entriesPane) setLoading(title string) {
	p.title, p.loading, p.err = title, true, nil
	p.entries = nil
	p.infos = map[int]entryInfo{}
	p.win.setLen(0)
}

func (p *entriesPane) current() (model.LogEntry, bool) {
	if p.win.cursor < 0 || p.win.cursor >= len(p.entries) {
		return model.LogEntry{}, false
	}
	return p.entries[p.win.cursor], true
}

func (p *entriesPane) info(i int) entryInfo {
	if in, ok := p.infos[i]; ok {
		return in
	}
	in := decodeEntry(p.entries[i])
	if len(p.infos) > 4096 { // bound the cache when scrolling far
		p.infos = map[int]entryInfo{}
	}
	p.infos[i] = in
	return in
}

func (p *entriesPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := p.c.Keys
	before := p.win.cursor
	switch {
	case key.Matches(km, k.Up):
		p.win.move(-1)
	case key.Matches(km, k.Down):
		p.win.move(1)
	case key.Matches(km, k.PageUp):
		p.win.move(-p.win.height)
	case key.Matches(km, k.PageDown):
		p.win.move(p.win.height)
	case key.Matches(km, k.Top):
		p.win.moveTo(0)
	case key.Matches(km, k.Bottom):
		p.win.moveTo(p.win.n - 1)
	default:
		return nil
	}
	if p.win.cursor == before || len(p.entries) == 0 {
		return nil
	}
	return msgCmd(SelectEntryMsg{Index: p.win.cursor})
}

func (p *entriesPane) selectedValue() string {
	if e, ok := p.current(); ok {
		return e.UUID
	}
	return ""
}

func (p *entriesPane) heading() string {
	t := p.title
	if si := p.win.scrollInfo(); si != "" {
		t += " " + si
	} else if len(p.entries) > 0 {
		t += " (" + strconv.Itoa(len(p.entries)) + ")"
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
		return clip(wrapLines([]string{st.Pane.Error.Render("✗ " + p.err.Error()), st.Pane.Empty.Render("press r to retry")}, w), w, h)
	case p.loading:
		return clip([]string{p.spinner + " searching the log…"}, w, h)
	case len(p.entries) == 0:
		msg := "select an image, or press / to search the log"
		if p.title != "Entries" {
			msg = "no log entries"
		}
		return clip(wrapLines([]string{st.Pane.Empty.Render(msg)}, w), w, h)
	}
	// Columns: status, kind, index, time, signer; drop from the right.
	showTime := w >= 70
	showKind := w >= 46
	cols := "S "
	if showKind {
		cols += fit("KIND", 13) + " "
	}
	cols += fit("LOG INDEX", 10) + " "
	if showTime {
		cols += fit("INTEGRATED (UTC)", 17) + " "
	}
	cols += "SIGNER"
	lines := []string{st.List.Header.Render(fit(cols, w))}
	from, to := p.win.visible()
	for i := from; i < to; i++ {
		e := p.entries[i]
		in := p.info(i)
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
		row := glyph + " "
		if showKind {
			row += fit(kind, 13) + " "
		}
		row += fit(strconv.FormatInt(e.LogIndex, 10), 10) + " "
		if showTime {
			t := "—"
			if !e.IntegratedTime.IsZero() {
				t = e.IntegratedTime.UTC().Format("2006-01-02 15:04")
			}
			row += fit(t, 17) + " "
		}
		signer := in.Signer.String()
		if in.Err != "" && in.Signer == (model.Signer{}) {
			signer = "undecodable body"
		}
		row += signer
		row = fit(row, w)
		if i == p.win.cursor {
			if p.focused {
				row = st.List.Selected.Render(row)
			} else {
				row = st.List.SelectedBlurred.Render(row)
			}
		}
		lines = append(lines, row)
	}
	return clip(lines, w, h)
}
