package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// rect is a pane's place on screen, in cells (for mouse clicks).
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// dims is what layout decided; compose lays out again when it changes.
type dims struct {
	w, h, top, leftW, topH int
	grid                   bool
	focus                  Pane
}

// layout gives every pane its size for the current window, focus, header
// and banner. Below gridW×gridH one pane is shown at a time under a tab
// bar. In the grid, the images and entries panes share the width by what
// their columns need, the rest split evenly.
func (a *App) layout() {
	w := a.c.Width
	top := len(a.headerLines()) + len(a.bannerLines())
	bodyH := a.bodyHeight()
	d := dims{w: w, h: a.c.Height, top: top, grid: a.grid(), focus: a.focus}
	a.rects = map[Pane]rect{}
	if d.grid {
		d.topH = max(bodyH*45/100, 8)
		botH := bodyH - d.topH
		d.leftW = a.splitTop(w)
		a.images.SetSize(d.leftW-2, d.topH-2)
		a.entries.SetSize(w-d.leftW-2, d.topH-2)
		half := w / 2
		a.proof.SetSize(half-2, botH-2)
		a.detail.SetSize(w-half-2, botH-2)
		a.rects[PaneImages] = rect{0, top, d.leftW, d.topH}
		a.rects[PaneEntries] = rect{d.leftW, top, w - d.leftW, d.topH}
		a.rects[PaneProof] = rect{0, top + d.topH, half, botH}
		a.rects[PaneDetail] = rect{half, top + d.topH, w - half, botH}
	} else {
		paneH := max(bodyH-1-2, 0)
		for _, p := range []interface{ SetSize(int, int) }{a.images, a.entries, a.proof, a.detail} {
			p.SetSize(max(w-2, 0), paneH)
		}
		a.rects[a.focus] = rect{0, top + 1, w, bodyH - 1}
	}
	if a.learn != nil {
		a.learn.SetSize(w, bodyH)
	}
	a.dims = d
}

// relayout lays the panes out again when what decides their sizes (the
// window, the header and banner heights, the columns the top panes need)
// has changed since the last layout.
func (a *App) relayout() {
	d := dims{
		w: a.c.Width, h: a.c.Height, top: len(a.headerLines()) + len(a.bannerLines()),
		grid: a.grid(), focus: a.focus,
	}
	if d.grid {
		d.topH = max(a.bodyHeight()*45/100, 8)
		d.leftW = a.splitTop(d.w)
	}
	if d != a.dims {
		a.layout()
	}
}

// splitTop is the images pane's width in a grid w cells wide: what its
// columns need, and half of what is left over once the entries pane has
// what its columns need; each keeps a usable minimum.
func (a *App) splitTop(w int) int {
	const minL, minR = 34, 44
	wantL, wantR := a.images.wantWidth()+2, a.entries.wantWidth()+2
	if wantL+wantR <= w {
		return wantL + (w-wantL-wantR)/2
	}
	return max(min(wantL, w-minR), minL)
}

func (a *App) grid() bool { return a.c.Width >= gridW && a.c.Height >= gridH }

func (a *App) bodyHeight() int {
	h := a.c.Height - 1 - len(a.headerLines()) - len(a.bannerLines()) // footer
	return max(h, 0)
}

// View renders the whole screen in the alternate screen, with the mouse
// reporting clicks and the wheel. Its content has been through
// safetext.Frame: only the program's own SGR styling reaches the terminal,
// whatever a pane let through.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "provscope"
	return v
}

// Render returns the screen as a string (what View puts in tea.View), for
// tests and screenshots.
func (a *App) Render() string { return a.render() }

// render is the frame after the second line of defence: every control
// other than newlines and SGR styling that does not conceal text is made
// visible. The panes have sanitised every foreign value already (the first
// line); this catches one that a future printer forgets.
func (a *App) render() string { return safetext.Frame(a.compose()) }

// compose draws the screen.
func (a *App) compose() string {
	w, h := a.c.Width, a.c.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < minW || h < minH {
		return clip(wrapLines([]string{fmt.Sprintf("provscope needs at least %d×%d (now %d×%d)", minW, minH, w, h)}, w), w, h)
	}
	a.relayout()
	parts := append(a.headerLines(), a.bannerLines()...)
	bodyH := a.bodyHeight()
	var body string
	switch a.overlay {
	case overlayHelp:
		body = a.overlayView(a.helpView(), bodyH)
	case overlaySearch:
		body = a.overlayView(a.searchView(), bodyH)
	case overlayLogs:
		body = a.overlayView(a.logsView(), bodyH)
	case overlaySigner:
		body = a.overlayView(a.signerView(), bodyH)
	case overlayOpen:
		body = a.overlayView(a.openView(), bodyH)
	case overlayTimeline:
		body = a.overlayView(a.timelineView(), bodyH)
	case overlayWatchAsk:
		body = a.overlayView(a.watchAskView(), bodyH)
	case overlayWatch:
		body = a.overlayView(a.watchView(), bodyH)
	default:
		body = a.bodyView(bodyH)
	}
	if bodyH > 0 {
		parts = append(parts, body)
	}
	parts = append(parts, a.footerView())
	return strings.Join(parts, "\n")
}

// alerts are the banner's messages the user has not dismissed: a detected
// inconsistency of the log, and a log head that cannot be read.
func (a *App) alerts() []string {
	var out []string
	if a.banner != "" && a.ackedBanner != a.banner {
		out = append(out, a.banner)
	}
	if e := a.s.headErr; e != nil && a.ackedHead != e.Error() {
		out = append(out, "✗ "+e.Error())
	}
	return out
}

// dismissAlerts acknowledges the alerts shown; the header keeps a short
// mark of each while it lasts. It reports whether there was one.
func (a *App) dismissAlerts() bool {
	if len(a.alerts()) == 0 {
		return false
	}
	a.ackedBanner = a.banner
	if a.s.headErr != nil {
		a.ackedHead = a.s.headErr.Error()
	}
	a.layout()
	return true
}

// bannerLines are the alerts, wrapped (never cut) to the width, each line
// on the alarm colour, the last ending with the key that dismisses them.
// Only a banner taller than half the screen is shortened, keeping that
// key.
func (a *App) bannerLines() []string {
	al := a.alerts()
	w := a.c.Width
	if len(al) == 0 || w < minW {
		return nil
	}
	dk := a.c.Keys.Dismiss.Help().Key
	var lines []string
	for i, s := range al {
		if i == len(al)-1 {
			s += " · " + dk + " dismiss"
		}
		lines = append(lines, wrap(s, w)...)
	}
	if limit := max(a.c.Height/2, 1); len(lines) > limit {
		lines = append(lines[:limit-1], "… "+dk+" dismiss")
	}
	for i, l := range lines {
		lines[i] = a.c.Styles.App.Banner.Render(fit(l, w))
	}
	return lines
}

// headerLines are the title and what the explorer looks at (log, size,
// root, registry, signer), as whole segments: one that does not fit the
// line goes to the next, so nothing is cut.
func (a *App) headerLines() []string {
	st := a.c.Styles
	w := a.c.Width
	if w <= 0 {
		return nil
	}
	logName := a.c.LogName
	if logName == "" {
		logName = "log"
	}
	logSeg := safe(logName)
	switch {
	case a.s.headErr != nil:
		logSeg += " " + st.Pane.Error.Render("✗ head unreadable")
	case a.s.head != nil:
		logSeg += fmt.Sprintf(" size %d", a.s.head.TreeSize)
	default:
		logSeg += " …"
	}
	segs := []string{logSeg}
	if a.s.head != nil && a.s.headErr == nil && w >= 100 {
		segs = append(segs, "root "+hexPrefix(hexOf(a.s.head.RootHash), 12))
	}
	if a.banner != "" && a.ackedBanner == a.banner {
		segs = append(segs, st.Pane.Error.Render("⚠ inconsistent log"))
	}
	if a.c.RegistryHost != "" && w >= 70 {
		segs = append(segs, "registry "+safe(a.c.RegistryHost))
	}
	if a.c.Signer != "" {
		segs = append(segs, "signer "+safe(a.c.Signer))
	} else if a.c.PinSigner != nil {
		// Nothing says whose signature it must be: no image can verify.
		segs = append(segs, st.VerdictBadge(model.VerdictUnpinned)+" signer not pinned (P pins)")
	}
	if a.c.TrustMarker != "" {
		segs = append(segs, "⚠ "+safe(a.c.TrustMarker))
	}
	if r, ok := a.c.Backend.(LogKeyReporter); ok && !r.LogKeyPinned() {
		segs = append(segs, "⚠ log key not pinned (fetched from the log)")
	}
	line := st.App.Title.Render("provscope")
	var lines []string
	for _, s := range segs {
		sep := " · "
		if lipgloss.Width(line)+len(sep)+lipgloss.Width(s) > w && line != "" {
			lines = append(lines, line)
			line, sep = "", "  "
		}
		line += st.App.Header.Render(sep) + st.App.Header.Render(s)
	}
	lines = append(lines, line)
	var out []string
	for _, l := range lines {
		for _, wl := range wrapStyled(l, w) {
			out = append(out, fit(wl, w))
		}
	}
	if limit := max(a.c.Height/4, 1); len(out) > limit {
		out = out[:limit]
	}
	return out
}

// footerView is the key hints, or a status message, always ending with
// help and quit; the focused pane's hints come first and are dropped from
// the right when the line is full.
func (a *App) footerView() string {
	st := a.c.Styles
	w := a.c.Width
	k := a.c.Keys
	h := a.help
	h.SetWidth(0)
	tail := k.ShortHelp()
	if a.focus == PaneLearn {
		back := k.Learn
		back.SetHelp("T", "back to the explorer")
		tail = append([]key.Binding{back}, tail...)
	}
	tailView := h.ShortHelpView(tail)
	if a.status != "" {
		room := w - lipgloss.Width(tailView) - 2
		if room < 10 {
			return st.App.Status.Render(fit(safe(a.status), w))
		}
		return st.App.Status.Render(fit(safe(a.status), room)) + "  " + tailView
	}
	bs := a.contextKeys()
	for n := len(bs); n >= 0; n-- {
		v := h.ShortHelpView(dedupe(append(append([]key.Binding{}, bs[:n]...), tail...)))
		if lipgloss.Width(v) <= w {
			return fit(v, w)
		}
	}
	return fit(tailView, w)
}

// contextKeys are the focused pane's key hints, most useful first.
func (a *App) contextKeys() []key.Binding {
	k := a.c.Keys
	var bs []key.Binding
	switch a.focus {
	case PaneImages:
		bs = a.images.ShortHelp()
	case PaneEntries:
		bs = a.entries.ShortHelp()
	case PaneProof:
		bs = a.proof.ShortHelp()
	case PaneDetail:
		bs = a.detail.ShortHelp()
	case PaneLearn:
		return nil
	}
	next := k.NextPane
	next.SetHelp("tab", "next pane")
	bs = append(bs, next)
	if len(a.alerts()) > 0 {
		bs = append([]key.Binding{k.Dismiss}, bs...)
	}
	return bs
}

func dedupe(bs []key.Binding) []key.Binding {
	seen := map[string]bool{}
	var out []key.Binding
	for _, b := range bs {
		if seen[b.Help().Key] {
			continue
		}
		seen[b.Help().Key] = true
		out = append(out, b)
	}
	return out
}

func (a *App) paneTitle(p Pane) string {
	n := fmt.Sprintf("%d ", int(p)+1)
	switch p {
	case PaneImages:
		return n + a.images.title()
	case PaneEntries:
		return n + a.entries.heading()
	case PaneProof:
		return n + a.proof.heading()
	case PaneDetail:
		return n + "Detail"
	}
	return p.String()
}

func (a *App) paneView(p Pane) string {
	switch p {
	case PaneImages:
		return a.images.View()
	case PaneEntries:
		return a.entries.View()
	case PaneProof:
		return a.proof.View()
	case PaneDetail:
		return a.detail.View()
	case PaneLearn:
		if a.learn != nil {
			return a.learn.View()
		}
	}
	return ""
}

func (a *App) bodyView(bodyH int) string {
	w := a.c.Width
	if a.focus == PaneLearn && a.learn != nil {
		return clip(strings.Split(a.learn.View(), "\n"), w, bodyH)
	}
	if a.grid() {
		d := a.dims
		botH := bodyH - d.topH
		half := w / 2
		top := joinH(a.frame(PaneImages, d.leftW, d.topH), a.frame(PaneEntries, w-d.leftW, d.topH))
		bot := joinH(a.frame(PaneProof, half, botH), a.frame(PaneDetail, w-half, botH))
		return top + "\n" + bot
	}
	if bodyH < 4 {
		return clip([]string{a.tabBar()}, w, bodyH)
	}
	return a.tabBar() + "\n" + a.frame(a.focus, w, bodyH-1)
}

// tabBar names the panes with the digit that jumps to each.
func (a *App) tabBar() string {
	st := a.c.Styles
	var tabs []string
	for _, t := range a.tabLayout() {
		if t.pane == a.focus {
			tabs = append(tabs, st.App.TabActive.Render(t.name))
		} else {
			tabs = append(tabs, st.App.Tab.Render(t.name))
		}
	}
	if a.learn != nil {
		tabs = append(tabs, st.App.Tab.Render("T Learn"))
	}
	return fit(strings.Join(tabs, st.App.Tab.Render(tabSep)), a.c.Width)
}

const tabSep = " │ "

// tabLayout names the tabs of the one-pane layout and says where each is.
func (a *App) tabLayout() []tabPos {
	var out []tabPos
	x := 0
	for i, p := range a.panes() {
		name := p.String()
		if a.c.Width < 50 {
			name = name[:3]
		}
		name = fmt.Sprintf("%d %s", int(p)+1, name)
		if i > 0 {
			x += lipgloss.Width(tabSep)
		}
		out = append(out, tabPos{p, name, x, x + lipgloss.Width(name)})
		x += lipgloss.Width(name)
	}
	return out
}

// tabPos is where a tab of the tab bar is: cells [from, to).
type tabPos struct {
	pane     Pane
	name     string
	from, to int
}

// joinH puts two blocks of equal height side by side.
func joinH(l, r string) string {
	ll, rl := strings.Split(l, "\n"), strings.Split(r, "\n")
	n := max(len(ll), len(rl))
	out := make([]string, n)
	for i := range n {
		var x, y string
		if i < len(ll) {
			x = ll[i]
		}
		if i < len(rl) {
			y = rl[i]
		}
		out[i] = x + y
	}
	return strings.Join(out, "\n")
}

// frame draws pane p inside a rounded border of w×h cells with its title
// in the top edge; the focused pane's border is accented (thick when there
// is no colour).
func (a *App) frame(p Pane, w, h int) string {
	if w < 2 || h < 2 {
		return clip(nil, max(w, 0), max(h, 0))
	}
	st := a.c.Styles
	focused := p == a.focus
	b := lipgloss.RoundedBorder()
	edge := lipgloss.NewStyle().Foreground(st.Pane.Border.GetBorderTopForeground())
	titleSt := st.Pane.Title
	if focused {
		edge = lipgloss.NewStyle().Foreground(st.Pane.BorderFocused.GetBorderTopForeground())
		titleSt = st.Pane.TitleFocused
		if st.NoColor {
			b = lipgloss.ThickBorder()
			edge = lipgloss.NewStyle()
		}
	}
	if st.NoColor && !focused {
		edge = lipgloss.NewStyle()
	}
	title := short(a.paneTitle(p), max(w-6, 0))
	topFill := max(w-2-lipgloss.Width(title)-3, 0)
	top := edge.Render(b.TopLeft+b.Top) + " " + titleSt.Render(title) + " " + edge.Render(strings.Repeat(b.Top, topFill)+b.TopRight)
	if w-2 < lipgloss.Width(title)+3 {
		top = edge.Render(b.TopLeft + strings.Repeat(b.Top, w-2) + b.TopRight)
	}
	lines := []string{top}
	body := strings.Split(a.paneView(p), "\n")
	for i := 0; i < h-2; i++ {
		l := ""
		if i < len(body) {
			l = body[i]
		}
		lines = append(lines, edge.Render(b.Left)+fit(l, w-2)+edge.Render(b.Right))
	}
	lines = append(lines, edge.Render(b.BottomLeft+strings.Repeat(b.Bottom, w-2)+b.BottomRight))
	return strings.Join(lines, "\n")
}

func (a *App) overlayView(box string, bodyH int) string {
	w := a.c.Width
	box = a.c.Styles.App.Overlay.Render(box)
	return clip(strings.Split(lipgloss.Place(w, bodyH, lipgloss.Center, lipgloss.Center, box), "\n"), w, bodyH)
}

func (a *App) boxWidth() int { return max(min(a.c.Width-4, 96), 10) }

// helpSection is one titled group of the help overlay.
type helpSection struct {
	title string
	keys  []key.Binding
}

// helpSections are the help overlay's key groups: the focused pane's keys
// first, then navigation, actions and the app's (or the teaching mode's
// keys while it has focus).
func (a *App) helpSections() []helpSection {
	k := a.c.Keys
	if a.focus == PaneLearn && a.learn != nil {
		back := k.Learn
		back.SetHelp("T", "back to the explorer")
		var out []helpSection
		for i, g := range a.learn.KeyMap().FullHelp() {
			out = append(out, helpSection{fmt.Sprintf("Teaching mode (%d)", i+1), g})
		}
		return append(out, helpSection{"App", []key.Binding{back, k.Help, k.Quit}})
	}
	var pane []key.Binding
	switch a.focus {
	case PaneImages:
		pane = a.images.FullHelp()[0]
	case PaneEntries:
		pane = a.entries.FullHelp()[0]
	case PaneProof:
		pane = a.proof.FullHelp()[0]
	case PaneDetail:
		pane = a.detail.FullHelp()[0]
	}
	groups := k.FullHelp()
	app := groups[2]
	if a.learn == nil {
		app = []key.Binding{k.Help, k.Quit}
	}
	return []helpSection{
		{"This pane: " + a.focus.String(), pane},
		{"Actions", groups[1]},
		{"App", app},
		{"Navigation", groups[0]},
	}
}

// helpLegend explains the status glyphs and what each verdict means.
func helpLegend(st Styles) []string {
	g := func(v model.Verdict) string { return st.BadgeShort(v) }
	return []string{
		"",
		st.Detail.Heading.Render("Status glyphs"),
		g(model.VerdictVerified) + " verified   " + g(model.VerdictFailed) + " failed   " + g(model.VerdictUnsigned) + " unsigned   " +
			g(model.VerdictNotLogged) + " not logged   " + g(model.VerdictUnpinned) + " unpinned   " + g(model.VerdictError) + " error   " + g(model.VerdictPending) + " running",
		"· not verified yet (v verifies)   – step skipped (does not apply)",
		"~ ephemeral proof node (changes as the log grows)   ▸/▾ collapsed/expanded",
		"",
		st.Detail.Heading.Render("Verdicts"),
		g(model.VerdictVerified) + " verified: every check that applies passed: the signature, its log entry, the inclusion proof and the signed checkpoint",
		g(model.VerdictFailed) + " failed: at least one check failed; the detail pane shows which. Do not trust the image",
		g(model.VerdictUnsigned) + " unsigned: the image carries no signature at all",
		g(model.VerdictNotLogged) + " not logged: a signature exists but the log has no entry for it (signed in stealth)",
		g(model.VerdictUnpinned) + " unpinned: intact and logged, but no signer is pinned, so anyone's logged key would pass (P pins one)",
		g(model.VerdictError) + " error: verification could not be carried out (network, unreadable data): nothing is known",
		g(model.VerdictPending) + " running: verification has not finished",
	}
}

// helpLines are the help overlay's lines below its title: the key
// sections, side by side where they fit the box (the focused pane's
// first), then the legend.
func (a *App) helpLines() []string {
	st := a.c.Styles
	hs := a.help.Styles
	bw := a.boxWidth()
	var blocks [][]string
	for _, s := range a.helpSections() {
		if len(s.keys) == 0 {
			continue
		}
		b := []string{st.Detail.Heading.Render(s.title)}
		kw := 0
		for _, k := range s.keys {
			kw = max(kw, lipgloss.Width(k.Help().Key))
		}
		for _, k := range s.keys {
			kv := k.Help().Key
			l := hs.FullKey.Render(kv+strings.Repeat(" ", kw-lipgloss.Width(kv))) + "  " + hs.FullDesc.Render(k.Help().Desc)
			b = append(b, wrapStyled(l, bw)...)
		}
		blocks = append(blocks, b)
	}
	var lines []string
	const gap = "   "
	for len(blocks) > 0 {
		row := [][]string{blocks[0]}
		width := blockWidth(blocks[0])
		blocks = blocks[1:]
		for len(blocks) > 0 && width+len(gap)+blockWidth(blocks[0]) <= bw {
			width += len(gap) + blockWidth(blocks[0])
			row = append(row, blocks[0])
			blocks = blocks[1:]
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, sideBySide(row, gap)...)
	}
	if a.focus != PaneLearn {
		for _, l := range helpLegend(st) {
			lines = append(lines, wrapStyled(l, bw)...)
		}
	}
	return lines
}

func blockWidth(b []string) int {
	w := 0
	for _, l := range b {
		w = max(w, lipgloss.Width(l))
	}
	return w
}

// sideBySide joins blocks of lines in columns, each padded to its width.
func sideBySide(blocks [][]string, gap string) []string {
	n := 0
	for _, b := range blocks {
		n = max(n, len(b))
	}
	out := make([]string, n)
	for bi, b := range blocks {
		bw := blockWidth(b)
		for i := range n {
			l := ""
			if i < len(b) {
				l = b[i]
			}
			if bi < len(blocks)-1 {
				l += strings.Repeat(" ", bw-lipgloss.Width(l)) + gap
			}
			out[i] += l
		}
	}
	return out
}

// helpRows is how many help lines the overlay shows at once.
func (a *App) helpRows() int { return max(a.bodyHeight()-3, 1) } // border, title

// scrollHelp moves the help overlay's first line by d (clamped).
func (a *App) scrollHelp(d int) {
	a.helpOff = max(min(a.helpOff+d, len(a.helpLines())-a.helpRows()), 0)
}

func (a *App) helpView() string {
	st := a.c.Styles
	lines := a.helpLines()
	rows := a.helpRows()
	a.helpOff = max(min(a.helpOff, len(lines)-rows), 0)
	note := "  (? or esc closes)"
	if len(lines) > rows {
		total := len(lines)
		lines = lines[a.helpOff:min(a.helpOff+rows, len(lines))]
		note = fmt.Sprintf("  %d–%d of %d · ↑↓ scroll · esc closes", a.helpOff+1, a.helpOff+len(lines), total)
	}
	title := st.Detail.Heading.Render("Help") + st.Detail.Note.Render(note)
	if lipgloss.Width(title) > a.boxWidth() {
		title = fit(title, a.boxWidth())
	}
	for i, l := range lines {
		lines[i] = fit(l, a.boxWidth())
	}
	return title + "\n" + strings.Join(lines, "\n")
}

func (a *App) searchView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	return st.Detail.Heading.Render("Search the log") + "\n" +
		a.input.View(st, bw) + "\n" +
		st.Detail.Note.Render(fit("enter search · esc cancel", bw))
}

func (a *App) signerView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	cur := safe(a.c.Signer)
	if cur == "" {
		cur = "none (signatures are checked against their own entries' keys)"
	}
	lines := []string{
		st.Detail.Heading.Render("Pin a signer"),
		a.input.View(st, bw),
		fit("now: "+cur, bw),
		st.Detail.Note.Render(fit("IDENTITY ISSUER    keyless signer: certificate identity, OIDC issuer", bw)),
		st.Detail.Note.Render(fit("~REGEXP ISSUER     either one as a regular expression", bw)),
		st.Detail.Note.Render(fit("key FILE           a PEM public key (a file of this machine)", bw)),
		st.Detail.Note.Render(fit("none               no signer pinned", bw)),
		st.Detail.Note.Render(fit("enter pin · esc cancel", bw)),
	}
	return strings.Join(lines, "\n")
}

func (a *App) logsView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	lines := []string{st.Detail.Heading.Render("Pick a log"), a.input.View(st, bw)}
	for i, c := range a.filteredLogs() {
		if i >= 8 {
			break
		}
		name := safe(c.Name)
		if c.Name == a.c.LogName {
			name += " (current)"
		}
		l := fit(name+"  "+st.Detail.Note.Render(safe(c.URL)), bw)
		if i == a.logCursor {
			l = st.List.Selected.Render(l)
		}
		lines = append(lines, l)
	}
	lines = append(lines, st.Detail.Note.Render(fit("↑/↓ choose · enter open · esc cancel", bw)))
	return strings.Join(lines, "\n")
}
