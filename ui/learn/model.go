// Package learn is provscope's teaching mode: a playground over a real
// RFC 6962 Merkle tree (https://www.rfc-editor.org/rfc/rfc6962#section-2.1)
// that a learner can grow, prove against and break, plus short guided
// lessons.
//
// The tree comes from an in-memory log (package memlog, built on
// transparency-dev/merkle); every proof drawn is verified, and every hash
// step shown is taken, from provscope's proof package, the same code that
// verifies real Rekor proofs. Tiles follow C2SP tlog-tiles
// (https://c2sp.org/tlog-tiles) and checkpoints C2SP tlog-checkpoint
// (https://c2sp.org/tlog-checkpoint).
//
// Model is a pane: Init/Update/View plus SetSize and KeyMap, for embedding
// in the explorer or running alone under `provscope learn`.
package learn

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/ui/learn/memlog"
)

// Config configures a teaching session.
type Config struct {
	// IsDark selects the dark palette; NoColor drops colours (NO_COLOR).
	IsDark, NoColor bool
	// Seed drives the random leaves and the toy signing keys; equal seeds
	// give equal sessions.
	Seed uint64
	// MaxEntries caps the playground log (default 4096).
	MaxEntries uint64
	// Origin is the checkpoint origin line (default "learn.provscope.example/log").
	Origin string
	// NoLessonMenu starts in free play instead of on the lesson list.
	NoLessonMenu bool
	// QuitHint, if set, ends the footer (for example "q quit" when the pane
	// runs on its own).
	QuitHint string
}

// The smallest size the pane draws in; below it, it says so.
const (
	minWidth  = 30
	minHeight = 8
)

// maxInput caps a typed leaf, in runes.
const maxInput = 200

// Screen is one of the playground's screens.
type Screen int

// The screens, in tab order.
const (
	ScreenGrow Screen = iota
	ScreenInclusion
	ScreenConsistency
	ScreenTamper
	ScreenTiles
	numScreens
)

// String returns the screen's tab name.
func (s Screen) String() string {
	switch s {
	case ScreenGrow:
		return "Grow"
	case ScreenInclusion:
		return "Inclusion"
	case ScreenConsistency:
		return "Consistency"
	case ScreenTamper:
		return "Tamper"
	case ScreenTiles:
		return "Tiles"
	}
	return fmt.Sprintf("Screen(%d)", int(s))
}

// Model is the teaching mode pane.
type Model struct {
	cfg    Config
	st     Styles
	keys   KeyMap
	help   help.Model
	w, h   int
	origin string

	screen Screen
	log    *memlog.Log
	logKey memlog.Key
	witKey memlog.Key
	rnd    *rand.Rand
	status string

	leaf     uint64 // selected leaf
	up       int    // grow: levels above the selected leaf
	showHash bool   // label nodes with hashes instead of indices

	inclStep int // inclusion: hash steps taken (see inclusion.go)

	oldSize, newSize uint64 // consistency sizes (newSize 0 = latest)
	consStep         int

	tamper tamperState

	tileSize, tileLeaf uint64

	typing bool
	input  []rune // the leaf being typed

	menu       bool // lesson list open
	menuCursor int
	lesson     int // index into lessons, -1 outside a lesson
	lstep      int
	lessons    []lesson
}

// New returns a teaching session on an empty log.
func New(c Config) *Model {
	if c.MaxEntries == 0 {
		c.MaxEntries = 4096
	}
	if c.Origin == "" {
		c.Origin = "learn.provscope.example/log"
	}
	m := &Model{
		cfg:      c,
		st:       DefaultStyles(c.IsDark, c.NoColor),
		keys:     DefaultKeyMap(),
		help:     help.New(),
		origin:   c.Origin,
		log:      memlog.New(c.MaxEntries),
		rnd:      rand.New(rand.NewPCG(c.Seed, c.Seed^0x5eed)), //nolint:gosec // G404: seeded on purpose so lessons replay; it picks toy entries, never secrets
		lesson:   -1,
		menu:     !c.NoLessonMenu,
		tileSize: 70000,
		tileLeaf: 69999,
		w:        80,
		h:        24,
	}
	var err error
	if m.logKey, err = memlog.NewKey(c.Origin, c.Seed); err != nil {
		m.status = err.Error()
	}
	if m.witKey, err = memlog.NewWitnessKey("witness.provscope.example", c.Seed+1); err != nil {
		m.status = err.Error()
	}
	m.lessons = allLessons()
	return m
}

// Init implements the pane contract; the teaching mode needs no start-up I/O.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the pane's width and height in cells. A zero size (a
// terminal that has not said its size yet, or a pane squeezed to nothing)
// is kept as zero, so that View draws nothing rather than one cell more
// than the window has.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = max(w, 0), max(h, 0)
	m.help.SetWidth(m.w)
}

// SetDark switches between the dark and light palettes.
func (m *Model) SetDark(isDark bool) {
	m.cfg.IsDark = isDark
	m.st = DefaultStyles(isDark, m.cfg.NoColor)
}

// Screen returns the screen shown.
func (m *Model) Screen() Screen { return m.screen }

// Log returns the playground log (for tests and embedding).
func (m *Model) Log() *memlog.Log { return m.log }

// Capturing reports whether the pane is taking text input, so that a parent
// must not treat keys such as "q" as global.
func (m *Model) Capturing() bool { return m.typing }

// InLesson reports whether a lesson or the lesson list is showing.
func (m *Model) InLesson() bool { return m.lesson >= 0 || m.menu }

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.SetDark(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyPressMsg) (*Model, tea.Cmd) {
	k := m.keys
	if m.typing {
		switch {
		case key.Matches(msg, k.Cancel):
			m.typing = false
			m.input = nil
		case key.Matches(msg, k.Confirm):
			m.typing = false
			m.appendLeaf([]byte(string(m.input)))
			m.input = nil
		case msg.Code == tea.KeyBackspace:
			if len(m.input) > 0 {
				m.input = m.input[:len(m.input)-1]
			}
		case msg.Text != "" && len(m.input) < maxInput:
			m.input = append(m.input, []rune(msg.Text)...)
		}
		return m, nil
	}
	if m.menu {
		m.menuKey(msg)
		return m, nil
	}
	if m.lesson >= 0 {
		switch {
		case key.Matches(msg, k.Next):
			m.lessonNext()
			return m, nil
		case key.Matches(msg, k.Prev):
			m.lessonGo(m.lstep - 1)
			return m, nil
		case key.Matches(msg, k.Leave):
			m.lesson = -1
			m.status = "Left the lesson: the tree is yours to play with. Press L for the lessons."
			return m, nil
		}
	}
	switch {
	case key.Matches(msg, k.Lessons):
		m.menu = true
		return m, nil
	case key.Matches(msg, k.NextScreen):
		m.setScreen((m.screen + 1) % numScreens)
		return m, nil
	case key.Matches(msg, k.PrevScreen):
		m.setScreen((m.screen + numScreens - 1) % numScreens)
		return m, nil
	case key.Matches(msg, k.Grow):
		m.setScreen(ScreenGrow)
		return m, nil
	case key.Matches(msg, k.Inclusion):
		m.setScreen(ScreenInclusion)
		return m, nil
	case key.Matches(msg, k.Consistency):
		m.setScreen(ScreenConsistency)
		return m, nil
	case key.Matches(msg, k.Tamper):
		m.setScreen(ScreenTamper)
		return m, nil
	case key.Matches(msg, k.Tiles):
		m.setScreen(ScreenTiles)
		return m, nil
	case key.Matches(msg, k.Labels):
		m.showHash = !m.showHash
		return m, nil
	}
	if m.screen != ScreenTiles {
		switch {
		case key.Matches(msg, k.Append):
			m.appendLeaf([]byte(fmt.Sprintf("random %06x", m.rnd.Uint32()&0xffffff)))
			return m, nil
		case key.Matches(msg, k.AppendMany):
			for range 16 {
				m.appendLeaf([]byte(fmt.Sprintf("random %06x", m.rnd.Uint32()&0xffffff)))
			}
			return m, nil
		case key.Matches(msg, k.Type):
			m.typing = true
			m.input = nil
			return m, nil
		}
	}
	switch m.screen {
	case ScreenGrow:
		m.growKey(msg)
	case ScreenInclusion:
		m.inclusionKey(msg)
	case ScreenConsistency:
		m.consistencyKey(msg)
	case ScreenTamper:
		m.tamperKey(msg)
	case ScreenTiles:
		m.tilesKey(msg)
	}
	return m, nil
}

func (m *Model) setScreen(s Screen) {
	m.screen = s
	m.status = ""
}

// appendLeaf appends data to the log, the way a log accepts an entry.
func (m *Model) appendLeaf(data []byte) {
	if m.tamper.on {
		m.restore()
	}
	idx, err := m.log.Append(data)
	if err != nil {
		m.status = err.Error()
		return
	}
	m.leaf = idx
	m.up = 0
	m.inclStep = 0
	m.consStep = 0
	m.status = fmt.Sprintf("Appended leaf %d: %q.", idx, data)
}

// resetLog replaces the log with n entries "entry 0" … "entry n-1"; the
// lessons start from it so their text matches the screen.
func (m *Model) resetLog(n uint64) {
	m.tamper = tamperState{}
	m.log = memlog.New(m.cfg.MaxEntries)
	for i := range n {
		if _, err := m.log.Append([]byte(fmt.Sprintf("entry %d", i))); err != nil {
			m.status = err.Error()
			return
		}
	}
	m.leaf, m.up, m.inclStep, m.consStep = 0, 0, 0, 0
	m.oldSize, m.newSize = 0, 0
	m.status = ""
}

// clampLeaf keeps the selected leaf inside the log.
func (m *Model) clampLeaf() {
	if n := m.log.Size(); n == 0 {
		m.leaf = 0
	} else if m.leaf >= n {
		m.leaf = n - 1
	}
}

// View renders the pane at its size.
func (m *Model) View() string {
	w, h := m.w, m.h
	if w < minWidth || h < minHeight {
		msg := fmt.Sprintf("learn needs at least %d×%d cells", minWidth, minHeight)
		lines := wrap(msg, w)
		if len(lines) > h {
			lines = lines[:h]
		}
		for i := range lines {
			lines[i] = truncate(lines[i], w)
		}
		return strings.Join(lines, "\n")
	}
	header := m.header()
	// The footer's hints wrap onto a second line rather than lose one.
	var footer []string
	for _, l := range packItems(m.footerItems(), w) {
		footer = append(footer, m.st.Muted.Render(l))
	}
	var bottom []string
	if m.lesson >= 0 && !m.menu {
		bottom = m.lessonView(w)
	}
	if m.typing {
		bottom = append(bottom, m.st.Input.Render(truncate("leaf text> "+string(m.input)+"█", w)))
	}
	if m.status != "" && m.lesson < 0 && !m.menu {
		bottom = append(bottom, m.st.Warn.Render(truncate(m.status, w)))
	}
	bodyH := max(h-1-len(footer)-len(bottom), 0)
	var body []string
	if m.menu {
		body = m.menuView(w)
	} else {
		body = m.body(w, bodyH)
	}
	// A legend may have wrapped onto several lines.
	body = strings.Split(strings.Join(body, "\n"), "\n")
	if len(body) > bodyH {
		body = body[:bodyH]
	}
	for len(body) < bodyH {
		body = append(body, "")
	}
	lines := make([]string, 0, h)
	lines = append(lines, header)
	lines = append(lines, body...)
	lines = append(lines, bottom...)
	lines = append(lines, footer...)
	if len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) body(w, h int) []string {
	switch m.screen {
	case ScreenInclusion:
		return m.inclusionView(w, h)
	case ScreenConsistency:
		return m.consistencyView(w, h)
	case ScreenTamper:
		return m.tamperView(w, h)
	case ScreenTiles:
		return m.tilesView(w, h)
	}
	return m.growView(w, h)
}

func (m *Model) header() string {
	parts := []string{m.st.Title.Render("learn")}
	for s := range numScreens {
		label := fmt.Sprintf("%d %s", int(s)+1, s)
		if s == m.screen && !m.menu {
			parts = append(parts, m.st.TabActive.Render(label))
		} else {
			parts = append(parts, m.st.Tab.Render(label))
		}
	}
	parts = append(parts, m.st.Tab.Render("L Lessons"))
	line := strings.Join(parts, "  ")
	size := m.st.Muted.Render(fmt.Sprintf("log size %d", m.log.Size()))
	if gap := m.w - lipgloss.Width(line) - lipgloss.Width(size); gap >= 2 {
		line += strings.Repeat(" ", gap) + size
	}
	return truncate(line, m.w)
}

// footerItems are the key hints of the current screen or lesson.
func (m *Model) footerItems() []string {
	var b []string
	switch {
	case m.typing:
		b = []string{"enter append", "esc cancel"}
	case m.menu:
		b = []string{"↑/↓ choose", "enter start", "esc free play"}
	case m.lesson >= 0:
		next := "n/enter next step"
		if m.lstep+1 >= len(m.lessons[m.lesson].steps) {
			next = "n/enter finish lesson"
		}
		b = []string{next, "p previous step", "esc leave and play freely"}
	default:
		switch m.screen {
		case ScreenGrow:
			b = []string{"←/→ leaf", "↑/↓ node", "a/A add 1/16", "i type", "x hashes"}
		case ScreenInclusion:
			b = []string{"←/→ leaf", "space step", "⌫ back", "a add", "x hashes"}
		case ScreenConsistency:
			b = []string{"←/→ old size", "[/] new size", "space step", "⌫ back", "a add"}
		case ScreenTamper:
			b = []string{"←/→ leaf", "t tamper", "r restore", "a add"}
		case ScreenTiles:
			b = []string{"←/→ leaf ±1", "↑/↓ ±256", "[/] size", "g 70,000", "G playground"}
		}
		b = append(b, "tab screens", "L lessons")
	}
	if m.cfg.QuitHint != "" {
		b = append(b, m.cfg.QuitHint)
	}
	return b
}

// packItems joins items with " · " into as few lines of w cells as they
// fit, never splitting an item (one wider than w is cut).
func packItems(items []string, w int) []string {
	var out []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case lipgloss.Width(line)+3+lipgloss.Width(it) <= w:
			line += " · " + it
		default:
			out = append(out, line)
			line = it
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// truncate cuts s (which may hold ANSI) to w cells.
func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansiTruncate(s, w)
}

// wrap word-wraps plain text to w cells.
func wrap(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case lipgloss.Width(line)+1+lipgloss.Width(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}
