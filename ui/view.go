package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/internal/safetext"
)

// layout gives every pane its size for the current window, focus and
// banner. Below gridW×gridH one pane is shown at a time under a tab bar.
func (a *App) layout() {
	w := a.c.Width
	bodyH := a.bodyHeight()
	if a.grid() {
		topH := max(bodyH*45/100, 8)
		botH := bodyH - topH
		leftW := min(max(w*2/5, 34), 70)
		a.images.SetSize(leftW-2, topH-2)
		a.entries.SetSize(w-leftW-2, topH-2)
		half := w / 2
		a.proof.SetSize(half-2, botH-2)
		a.detail.SetSize(w-half-2, botH-2)
		if a.learn != nil {
			a.learn.SetSize(w, bodyH)
		}
		return
	}
	paneH := max(bodyH-1-2, 0)
	for _, p := range []interface{ SetSize(int, int) }{a.images, a.entries, a.proof, a.detail} {
		p.SetSize(max(w-2, 0), paneH)
	}
	if a.learn != nil {
		a.learn.SetSize(w, bodyH)
	}
}

func (a *App) grid() bool { return a.c.Width >= gridW && a.c.Height >= gridH }

func (a *App) bodyHeight() int {
	h := a.c.Height - 2 // header and footer
	if a.banner != "" {
		h--
	}
	return max(h, 0)
}

// View renders the whole screen in the alternate screen. Its content has
// been through safetext.Frame: only the program's own SGR styling reaches
// the terminal, whatever a pane let through.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
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
	if a.lastBanner != a.banner {
		a.lastBanner = a.banner
		a.layout()
	}
	parts := []string{a.headerView()}
	if a.banner != "" {
		parts = append(parts, a.c.Styles.App.Banner.Render(fit(safe(a.banner), w)))
	}
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
	default:
		body = a.bodyView(bodyH)
	}
	parts = append(parts, body, a.footerView())
	return strings.Join(parts, "\n")
}

func (a *App) headerView() string {
	st := a.c.Styles
	w := a.c.Width
	left := st.App.Title.Render("provscope")
	logName := a.c.LogName
	if logName == "" {
		logName = "log"
	}
	info := " · " + safe(logName)
	switch {
	case a.s.headErr != nil:
		info += " " + st.Pane.Error.Render("✗ "+safe(a.s.headErr.Error()))
	case a.s.head != nil:
		info += fmt.Sprintf(" size %d", a.s.head.TreeSize)
		if w >= 100 {
			info += " root " + hexShort(hexOf(a.s.head.RootHash), 12)
		}
	default:
		info += " …"
	}
	if a.c.RegistryHost != "" && w >= 70 {
		info += " · registry " + safe(a.c.RegistryHost)
	}
	if a.c.Signer != "" {
		info += " · signer " + safe(a.c.Signer)
	}
	return fit(left+st.App.Header.Render(info), w)
}

func (a *App) footerView() string {
	st := a.c.Styles
	w := a.c.Width
	if a.status != "" {
		return st.App.Status.Render(fit(safe(a.status), w))
	}
	a.help.SetWidth(w)
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
		back := k.Learn
		back.SetHelp("T", "back to the explorer")
		return fit(a.help.ShortHelpView([]key.Binding{back, k.Help, k.Quit}), w)
	}
	bs = append(bs, k.NextPane, k.Help, k.Quit)
	return fit(a.help.ShortHelpView(dedupe(bs)), w)
}

func dedupe(bs []key.Binding) []key.Binding {
	seen := map[string]bool{}
	var out []key.Binding
	for _, b := range bs {
		h := b.Help().Key + b.Help().Desc
		if seen[b.Help().Key] {
			continue
		}
		seen[b.Help().Key] = true
		_ = h
		out = append(out, b)
	}
	return out
}

func (a *App) paneTitle(p Pane) string {
	switch p {
	case PaneImages:
		return a.images.title()
	case PaneEntries:
		return a.entries.heading()
	case PaneProof:
		return a.proof.heading()
	case PaneDetail:
		return "Detail"
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
		topH := max(bodyH*45/100, 8)
		botH := bodyH - topH
		leftW := min(max(w*2/5, 34), 70)
		half := w / 2
		top := joinH(a.frame(PaneImages, leftW, topH), a.frame(PaneEntries, w-leftW, topH))
		bot := joinH(a.frame(PaneProof, half, botH), a.frame(PaneDetail, w-half, botH))
		return top + "\n" + bot
	}
	if bodyH < 4 {
		return clip([]string{a.tabBar()}, w, bodyH)
	}
	return a.tabBar() + "\n" + a.frame(a.focus, w, bodyH-1)
}

func (a *App) tabBar() string {
	st := a.c.Styles
	var tabs []string
	for _, p := range a.panes() {
		name := p.String()
		if a.c.Width < 50 {
			name = name[:3]
		}
		if p == a.focus {
			tabs = append(tabs, st.App.TabActive.Render(name))
		} else {
			tabs = append(tabs, st.App.Tab.Render(name))
		}
	}
	if a.learn != nil {
		tabs = append(tabs, st.App.Tab.Render("T Learn"))
	}
	return fit(strings.Join(tabs, st.App.Tab.Render(" │ ")), a.c.Width)
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

func (a *App) boxWidth() int { return max(min(a.c.Width-4, 72), 10) }

// helpGroups are the help overlay's columns: navigation, actions, app (or
// the teaching mode's keys while it has focus).
func (a *App) helpGroups() [][]key.Binding {
	k := a.c.Keys
	groups := k.FullHelp()
	if a.learn == nil {
		groups[2] = []key.Binding{k.Help, k.Quit}
	}
	if a.focus == PaneLearn && a.learn != nil {
		back := k.Learn
		back.SetHelp("T", "back to the explorer")
		groups = append(a.learn.KeyMap().FullHelp(), []key.Binding{back, k.Help, k.Quit})
	}
	return groups
}

// helpLines are the help overlay's lines below its title: the groups side
// by side when they fit the box, else one under the other.
func (a *App) helpLines() []string {
	h := a.help
	h.ShowAll = true
	bw := a.boxWidth()
	h.SetWidth(bw)
	groups := a.helpGroups()
	out := h.FullHelpView(groups)
	if lipgloss.Width(out) <= bw && !strings.Contains(out, h.Ellipsis) {
		return strings.Split(out, "\n")
	}
	var lines []string
	for i, g := range groups {
		if i > 0 {
			lines = append(lines, "")
		}
		for _, l := range strings.Split(h.FullHelpView([][]key.Binding{g}), "\n") {
			lines = append(lines, fit(l, bw))
		}
	}
	return lines
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
		lines = lines[a.helpOff:min(a.helpOff+rows, len(lines))]
		note = fmt.Sprintf("  (%d–%d of %d ↑↓ · esc closes)", a.helpOff+1, a.helpOff+len(lines), len(a.helpLines()))
	}
	title := st.Detail.Heading.Render("Keys") + st.Detail.Note.Render(note)
	if lipgloss.Width(title) > a.boxWidth() {
		title = fit(title, a.boxWidth())
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
