// Package ui is provscope's explorer: a Bubble Tea v2 program that follows
// an image through its chain of evidence — registry → signatures,
// attestations, SBOMs → Rekor log entries → RFC 6962 inclusion proof
// (https://www.rfc-editor.org/rfc/rfc6962#section-2.1) → signed checkpoint
// (https://c2sp.org/tlog-checkpoint) → consistency with checkpoints seen
// before.
//
// One root model (App) owns size, focus, global keys, overlays and error
// banners, and delegates to four panes (images, entries, proof, detail),
// each with Init/Update/View/SetSize and its own help. Everything a session
// needs travels in a Common (styles, keys, backend, logger, clock), so the
// same code serves one terminal or many SSH sessions: this package has no
// mutable package-level state. Async work is split by flow (images,
// entries, verify, head, log, export: ui/flow_*.go; timeline.go,
// watch.go): each flow declares its messages, keeps its request IDs in a
// struct the App embeds and applies its results in its own handler, and
// the App's Update only routes (results.go). All I/O happens in tea.Cmds
// built from copies of their inputs and a request ID; stale answers are
// dropped. The session's data has one writer, the App in Update
// (session.go). The data comes through the Backend interface (backend.go).
//
// Every string from a registry, a log, a certificate or a server's error
// is hostile: panes draw it only through the helpers of text.go, which
// sanitise it (internal/safetext) before cutting or wrapping it, and names
// outside the OCI grammar are shown escaped and flagged (names.go); then
// View passes the whole frame through safetext.Frame, so only the
// explorer's own SGR styling reaches the terminal.
package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/ui/learn"
)

// Pane identifies one of the explorer's panes.
type Pane int

// The panes, in tab order.
const (
	PaneImages Pane = iota
	PaneEntries
	PaneProof
	PaneDetail
	PaneLearn
)

func (p Pane) String() string {
	return [...]string{"Images", "Entries", "Proof", "Detail", "Learn"}[p]
}

type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlaySearch
	overlayLogs
	overlaySigner
	overlayTimeline // ui/timeline.go
	overlayWatchAsk // ui/watch.go
	overlayWatch
	overlayOpen // ui/open.go
)

// Minimum sizes: below minW×minH the explorer shows one line saying so;
// below gridW×gridH it shows one pane at a time with a tab bar.
const (
	minW, minH   = 20, 5
	gridW, gridH = 100, 24
	maxBg        = 2 // background verifications in flight
)

// Option configures an App.
type Option func(*App)

// WithImage preselects an image reference ("repo:tag" or "repo@sha256:…").
func WithImage(ref string) Option { return func(a *App) { a.pendingRef = ref } }

// WithoutLearn leaves the teaching mode out (key T then says so).
func WithoutLearn() Option { return func(a *App) { a.learn = nil } }

// App is the explorer's root model. Create it with New; it implements
// tea.Model (View returns a tea.View).
type App struct {
	c *Common
	s *session

	images  *imagesPane
	entries *entriesPane
	proof   *proofPane
	detail  *detailPane
	learn   *learn.Model

	focus     Pane
	prevFocus Pane
	overlay   overlay
	help      help.Model
	input     lineInput
	spin      spinner.Model
	spinOn    bool

	logCursor int
	helpOff   int

	status string
	// banner is the alarm of an inconsistent log; ackedBanner and
	// ackedHead are the alarm and log head error the user dismissed.
	banner      string
	ackedBanner string
	ackedHead   string

	// dims and rects are the last layout: what decided it and where each
	// pane is (for the mouse).
	dims  dims
	rects map[Pane]rect

	// reqID numbers every request of every flow (nextID); each flow keeps
	// the IDs of its requests in flight and drops older answers.
	reqID        int
	imagesFlow   // ui/flow_images.go
	entriesFlow  // ui/flow_entries.go
	verifyFlow   // ui/flow_verify.go
	headFlow     // ui/flow_head.go
	logFlow      // ui/flow_log.go
	timelineFlow // ui/timeline.go
	watchFlow    // ui/watch.go

	// recent are the references opened before, newest first (the o
	// prompt's up and down walk them from recentPos); remember keeps
	// one for later sessions (rememberRef). openRegistry switches registries.
	recent       []string
	recentPos    int
	rememberRef  func(ref string)
	openRegistry RegistryOpener
	// openedRepos are the repositories opened by name on a registry
	// without a catalog (ui/open.go).
	openedRepos []string
}

// New returns the explorer for one session. c is copied; the App keeps it
// current (size, styles) from then on.
func New(c Common, opts ...Option) *App {
	if c.Keys.Quit.Keys() == nil {
		c.Keys = DefaultKeyMap()
	}
	if c.Styles.Palette.Accent == nil && !c.Styles.NoColor {
		c.Styles = c.makeStyles()
	}
	cc := &c
	s := newSession()
	a := &App{
		c:       cc,
		s:       s,
		images:  newImagesPane(cc, s),
		entries: newEntriesPane(cc, s),
		proof:   newProofPane(cc, s),
		detail:  newDetailPane(cc, s),
		help:    help.New(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		learn: learn.New(learn.Config{
			IsDark: c.IsDark, NoColor: c.NoColor,
			Seed: uint64(c.now().UnixNano()), NoLessonMenu: false,
		}),
	}
	for _, o := range opts {
		o(a)
	}
	if c.Remembered != nil {
		r := *c.Remembered
		a.s.remembered = &r
	}
	a.applyStyles()
	if c.Width > 0 && c.Height > 0 {
		a.layout()
	}
	return a
}

// Common returns the session context (read-only use).
func (a *App) Common() Common { return *a.c }

// Focus returns the focused pane.
func (a *App) Focus() Pane { return a.focus }

// Status returns the footer's current message.
func (a *App) Status() string { return a.status }

// Banner returns the alarm banner (a failed consistency check), if any.
func (a *App) Banner() string { return a.banner }

func (a *App) nextID() int { a.reqID++; return a.reqID }

// Init starts loading repositories and the log head, asks the terminal for
// its background colour and arms the head refresh.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.loadRepos(), a.refreshHead()}
	if !a.c.NoColor {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if a.learn != nil {
		cmds = append(cmds, a.learn.Init())
	}
	return tea.Batch(cmds...)
}

func (a *App) startSpin() tea.Cmd {
	if a.spinOn {
		return nil
	}
	a.spinOn = true
	return a.spin.Tick
}

func (a *App) busy() bool {
	if a.s.reposLoading || a.entries.loading || a.proof.consRunning || a.bgRunning > 0 {
		return true
	}
	for _, t := range a.s.tags {
		if t.loading {
			return true
		}
	}
	for _, i := range a.s.images {
		if i.loading {
			return true
		}
	}
	for _, v := range a.s.results {
		if v.running {
			return true
		}
	}
	return false
}

func (a *App) applyStyles() {
	st := a.c.Styles
	a.help.Styles = help.DefaultStyles(a.c.IsDark)
	if a.c.NoColor {
		a.help.Styles = help.Styles{}
	}
	a.spin.Style = st.Badge.Pending
}

// Update handles a message: window size and colours, keys (overlays first,
// then global keys, then the focused pane), and async results.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := a.update(msg)
	if pages := a.fetchPages(); pages != nil {
		cmd = tea.Batch(cmd, pages)
	}
	sp := a.spin.View()
	a.images.spinner, a.entries.spinner, a.proof.spinner, a.detail.spinner = sp, sp, sp, sp
	return a, cmd
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.c.Width, a.c.Height = msg.Width, msg.Height
		a.layout()
		return a.queueVisibleImages() // more rows may fit now
	case tea.BackgroundColorMsg:
		if !a.c.NoColor {
			a.c.IsDark = msg.IsDark()
			a.c.Styles = DefaultStyles(a.c.IsDark)
			a.applyStyles()
			a.proof.render()
			if a.learn != nil {
				a.learn.SetDark(a.c.IsDark)
			}
		}
		return nil
	case spinner.TickMsg:
		if !a.busy() {
			a.spinOn = false
			return nil
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		return a.handleKey(msg)
	case tea.MouseClickMsg:
		return a.handleClick(msg.Mouse())
	case tea.MouseWheelMsg:
		return a.handleWheel(msg.Mouse())
	case tea.PasteMsg:
		if a.overlay == overlaySearch || a.overlay == overlayLogs || a.overlay == overlaySigner || a.overlay == overlayWatchAsk || a.overlay == overlayOpen {
			a.input.Update(msg)
		} else if f := a.focusedFilter(); f != nil && f.typing && a.overlay == overlayNone {
			f.in.Update(msg)
			return a.filterChanged()
		}
		return nil
	}
	if cmd, ok := a.handleResult(msg); ok {
		return cmd
	}
	if a.learn != nil {
		_, cmd := a.learn.Update(msg)
		return cmd
	}
	return nil
}

// scrollKey scrolls an overlay by one line (up, down) or by page rows
// (page up, page down) through scroll, which takes the change of the
// offset from the top; it reports whether msg was one of those keys.
func (a *App) scrollKey(msg tea.KeyPressMsg, scroll func(int), page int) bool {
	k := a.c.Keys
	switch {
	case key.Matches(msg, k.Up):
		scroll(-1)
	case key.Matches(msg, k.Down):
		scroll(1)
	case key.Matches(msg, k.PageUp):
		scroll(-page)
	case key.Matches(msg, k.PageDown):
		scroll(page)
	default:
		return false
	}
	return true
}

// handleKey routes a key press: an open overlay takes every key, then the
// teaching mode (while focused) and a filter taking text; what is left is
// a global key or the focused pane's.
func (a *App) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	a.status = ""
	if cmd, ok := a.overlayKey(msg); ok {
		return cmd
	}
	if cmd, ok := a.learnKey(msg); ok {
		return cmd
	}
	if f := a.focusedFilter(); f != nil && f.typing {
		if msg.String() == "ctrl+c" {
			return tea.Quit
		}
		return a.filterKey(f, msg)
	}
	if cmd, ok := a.appKey(msg); ok {
		return cmd
	}
	if cmd, ok := a.actionKey(msg); ok {
		return cmd
	}
	return a.paneKey(msg)
}

// overlayKey hands a key to the open overlay, which takes them all; ok is
// false when no overlay is open.
func (a *App) overlayKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch a.overlay {
	case overlayHelp:
		return a.helpKey(msg), true
	case overlaySearch:
		return a.searchKey(msg), true
	case overlayLogs:
		return a.logsKey(msg), true
	case overlaySigner:
		return a.signerKey(msg), true
	case overlayTimeline:
		return a.timelineKey(msg), true
	case overlayWatchAsk:
		return a.watchAskKey(msg), true
	case overlayWatch:
		return a.watchKey(msg), true
	case overlayOpen:
		return a.openKey(msg), true
	}
	return nil, false
}

// helpKey scrolls the help overlay; ctrl+c quits, and any other key closes
// it.
func (a *App) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	switch {
	case msg.String() == "ctrl+c":
		return tea.Quit
	case a.scrollKey(msg, a.scrollHelp, a.helpRows()):
	case key.Matches(msg, k.Top):
		a.scrollHelp(-len(a.helpLines()))
	case key.Matches(msg, k.Bottom):
		a.scrollHelp(len(a.helpLines()))
	default:
		// ? and esc close it, as the title says; so does any other
		// key (q, enter…), doing nothing else.
		a.overlay = overlayNone
	}
	return nil
}

// learnKey hands a key to the teaching mode while it has focus; ok is
// false when the key is the App's.
func (a *App) learnKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if a.focus != PaneLearn || a.learn == nil {
		return nil, false
	}
	// The teaching mode owns its keys (tab included: it switches its
	// screens) except ctrl+c, and, unless it is taking text, quit,
	// help and the toggle back.
	k := a.c.Keys
	global := msg.String() == "ctrl+c" || (!a.learn.Capturing() &&
		(key.Matches(msg, k.Learn) || key.Matches(msg, k.Quit) || key.Matches(msg, k.Help)))
	if global {
		return nil, false
	}
	_, cmd := a.learn.Update(msg)
	return cmd, true
}

// appKey handles the keys about the explorer itself: quit, help, alerts,
// focus, the filter and the teaching mode; ok is false for any other key.
func (a *App) appKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := a.c.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit, true
	case key.Matches(msg, k.Help):
		a.overlay, a.helpOff = overlayHelp, 0
	case key.Matches(msg, k.Dismiss):
		if !a.dismissAlerts() {
			a.status = "no alert to dismiss"
		}
	case key.Matches(msg, k.JumpPane) && a.focus != PaneLearn:
		if n := int(msg.Code - '1'); n >= 0 && n < len(a.panes()) {
			a.setFocus(a.panes()[n])
		}
	case key.Matches(msg, k.Filter):
		a.startFilter()
	case key.Matches(msg, k.NextPane):
		a.setFocus(a.cycle(1))
	case key.Matches(msg, k.PrevPane):
		a.setFocus(a.cycle(-1))
	case key.Matches(msg, k.Learn):
		a.toggleLearn()
	default:
		return nil, false
	}
	return nil, true
}

// actionKey handles the keys that act on the session (prompts, verify,
// check, refresh, copy, export, timeline, watch) whatever the focus; ok
// is false for any other key.
func (a *App) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := a.c.Keys
	switch {
	case key.Matches(msg, k.Search):
		return a.openPrompt(overlaySearch, "/ ", "image ref or sha256:…, email or identity (prefix), UUID, log index, key.pem"), true
	case key.Matches(msg, k.LogPicker):
		return a.openLogPicker(), true
	case key.Matches(msg, k.PinSigner):
		return a.openSignerPrompt(), true
	case key.Matches(msg, k.Open):
		return a.openRefPrompt(), true
	case key.Matches(msg, k.Verify):
		return a.verifySelection(), true
	case key.Matches(msg, k.Consistency):
		return a.checkConsistency(), true
	case key.Matches(msg, k.Refresh):
		return a.refresh(), true
	case key.Matches(msg, k.Copy):
		return a.copySelection(), true
	case key.Matches(msg, k.Export):
		return a.export(), true
	case key.Matches(msg, k.Timeline):
		return a.openTimeline(), true
	case key.Matches(msg, k.Watch):
		return a.openWatch(), true
	}
	return nil, false
}

// startFilter lets the focused list's filter take text, or says why the
// focused pane has none.
func (a *App) startFilter() {
	if f := a.focusedFilter(); f != nil {
		f.typing = true
		a.layout()
		return
	}
	a.status = "f filters the images and entries lists; " + a.focus.String() + " has no list"
}

// toggleLearn switches to the teaching mode, or back to the pane focused
// before it.
func (a *App) toggleLearn() {
	switch {
	case a.learn == nil:
		a.status = "the teaching mode is not available in this build"
	case a.focus == PaneLearn:
		a.setFocus(a.prevFocus)
	default:
		a.prevFocus = a.focus
		a.setFocus(PaneLearn)
	}
}

// openLogPicker opens the log picker when other logs are configured.
func (a *App) openLogPicker() tea.Cmd {
	if len(a.c.Logs) == 0 || a.c.OpenLog == nil {
		a.status = "no other logs are configured"
		return nil
	}
	a.logCursor = 0
	return a.openPrompt(overlayLogs, "log: ", "type to filter logs")
}

// openSignerPrompt opens the P prompt when the session can pin a signer.
func (a *App) openSignerPrompt() tea.Cmd {
	if a.c.PinSigner == nil {
		a.status = "pinning a signer is not available here"
		return nil
	}
	return a.openPrompt(overlaySigner, "signer: ", "alice@example.com https://accounts.example.com")
}

// openRefPrompt opens the o prompt, its placeholder the last reference
// opened.
func (a *App) openRefPrompt() tea.Cmd {
	a.recentPos = -1
	ph := "ghcr.io/org/app:v1"
	if len(a.recent) > 0 {
		ph = "↑ " + safe(a.recent[0])
	}
	return a.openPrompt(overlayOpen, "open: ", ph)
}

// paneKey hands a key no overlay or global binding took to the focused
// pane, after the App's own moves between panes (enter, esc).
func (a *App) paneKey(msg tea.KeyPressMsg) tea.Cmd {
	switch a.focus {
	case PaneImages:
		return a.imagesKey(msg)
	case PaneEntries:
		return a.entriesKey(msg)
	case PaneProof:
		return a.proofKey(msg)
	case PaneDetail:
		return a.detailKey(msg)
	}
	return nil
}

// imagesKey: esc clears a kept filter; enter in the one-pane layout goes
// on to the entries; newly visible rows are queued for verification.
func (a *App) imagesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.Back) && a.images.filter.in.Value() != "" {
		a.images.clearFilter()
		return nil
	}
	cmd := a.images.Update(msg)
	if key.Matches(msg, k.Enter) && !a.grid() {
		a.forward()
	}
	return tea.Batch(cmd, a.queueVisibleImages())
}

// entriesKey: esc clears a kept filter, then goes back from a search to
// the image's entries, then to the images; enter shows the proof.
func (a *App) entriesKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.Back) && a.entries.filter.in.Value() != "" {
		a.entries.clearFilter()
		return nil
	}
	switch {
	case key.Matches(msg, k.Enter):
		if _, ok := a.entries.current(); ok {
			a.setFocus(PaneProof)
		}
		return nil
	case key.Matches(msg, k.Back):
		if a.imageEntries != nil && a.entries.title != a.imageEntries.title {
			m := *a.imageEntries
			a.entries.setEntries(m.title, m.uuids, m.entries, m.err)
			return a.selectEntry(0)
		}
		a.setFocus(PaneImages)
		return nil
	}
	return a.entries.Update(msg)
}

// proofKey: esc goes back to the entries (unless a consistency proof is
// shown: the pane closes it), enter on to the detail.
func (a *App) proofKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.Back) && a.proof.cons == nil && a.proof.consErr == nil {
		a.setFocus(PaneEntries)
		return nil
	}
	if key.Matches(msg, k.Enter) {
		a.setFocus(PaneDetail)
		return nil
	}
	return a.proof.Update(msg)
}

// detailKey: esc goes back to the pane the detail explains.
func (a *App) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, a.c.Keys.Back) {
		if a.detail.entry != nil {
			a.setFocus(PaneProof)
		} else {
			a.setFocus(PaneImages)
		}
		return nil
	}
	return a.detail.Update(msg)
}

// forward moves focus from the images pane to the entries pane after
// Enter in the one-pane layout, where the entries would load out of sight:
// at once on a platform or a tag that is no index, or once the tag's image
// has loaded (an index stays, its platforms shown).
func (a *App) forward() {
	r, ok := a.images.current()
	if !ok || r.kind == rowRepo {
		return
	}
	if r.kind == rowPlatform {
		a.setFocus(PaneEntries)
		return
	}
	is := a.s.images[r.ref]
	switch {
	case is == nil || !is.loaded:
		a.forwardRef = r.ref
	case len(is.img.Children) == 0:
		a.setFocus(PaneEntries)
	}
}

func (a *App) panes() []Pane {
	return []Pane{PaneImages, PaneEntries, PaneProof, PaneDetail}
}

func (a *App) cycle(d int) Pane {
	ps := a.panes()
	for i, p := range ps {
		if p == a.focus {
			return ps[(i+d+len(ps))%len(ps)]
		}
	}
	return PaneImages
}

func (a *App) setFocus(p Pane) {
	a.focus = p
	// The detail pane explains what the focused list selects.
	switch p {
	case PaneImages:
		if a.selImage != "" && (a.detail.entry != nil || a.detail.imageRef != a.selImage) {
			a.detail.showImage(a.selImage)
		}
	case PaneEntries, PaneProof:
		if e, ok := a.entries.current(); ok && (a.detail.entry == nil || a.detail.entry.UUID != e.UUID) {
			a.detail.showEntry(&e)
		}
	}
	a.images.focused = p == PaneImages
	a.entries.focused = p == PaneEntries
	a.proof.focused = p == PaneProof
	a.detail.focused = p == PaneDetail
	a.layout()
}

func (a *App) searchKey(msg tea.KeyPressMsg) tea.Cmd { return a.promptKey(msg, a.search) }

func (a *App) signerKey(msg tea.KeyPressMsg) tea.Cmd {
	return a.promptKey(msg, func(spec string) tea.Cmd {
		return a.pinSigner(strings.Join(strings.Fields(spec), " "))
	})
}

// openPrompt shows overlay o with an empty one-line prompt.
func (a *App) openPrompt(o overlay, prompt, placeholder string) tea.Cmd {
	a.overlay = o
	a.input.Reset()
	a.input.Placeholder = placeholder
	a.input.Prompt = prompt
	return a.input.Focus()
}

// promptKey handles a key in a one-line prompt overlay: esc closes it,
// enter closes it and submits what was typed (trimmed; nothing when
// empty), any other key edits it.
func (a *App) promptKey(msg tea.KeyPressMsg, submit func(string) tea.Cmd) tea.Cmd {
	switch msg.String() {
	case "esc":
		a.overlay = overlayNone
		a.input.Blur()
		return nil
	case "enter":
		text := strings.TrimSpace(a.input.Value())
		a.overlay = overlayNone
		a.input.Blur()
		if text == "" {
			return nil
		}
		return submit(text)
	}
	a.input.Update(msg)
	return nil
}

func fuzzyMatch(s, q string) bool {
	i := 0
	for _, r := range s {
		if i < len(q) && rune(q[i]) == r {
			i++
		}
	}
	return i >= len(q)
}
