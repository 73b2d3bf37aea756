package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/model"
)

// Messages the images pane sends to the App.

// LoadTagsMsg asks the App to list a repository's tags.
type LoadTagsMsg struct{ Repo string }

// SelectImageMsg says the cursor now rests on an image (a tag or a platform
// manifest of an index); the App loads it and its log entries.
type SelectImageMsg struct{ Ref string }

type imgRowKind int

const (
	rowRepo imgRowKind = iota
	rowTag
	rowPlatform
)

type imgRow struct {
	kind  imgRowKind
	repo  string
	tag   model.Tag
	ref   string
	child *model.Image
}

// imagesPane is the repositories → tags → digests → platforms tree.
type imagesPane struct {
	c        *Common
	s        *session
	win      window
	rows     []imgRow
	open     map[string]bool // expanded repos and tag refs
	w, h     int
	focused  bool
	spinner  string
	selected string
	filter   listFilter
	// note says why the registry lists no repositories (no catalog), in
	// one line above the tree; "" when it does.
	note string
}

func newImagesPane(c *Common, s *session) *imagesPane {
	return &imagesPane{c: c, s: s, open: map[string]bool{}}
}

func (p *imagesPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.win.setHeight(p.listHeight())
}

// listHeight is how many rows fit under the column header (and the filter
// line while there is one).
func (p *imagesPane) listHeight() int {
	h := p.h - 1 - p.noteLines()
	if p.filter.active() {
		h--
	}
	return h
}

// noteLines is 1 when the pane shows its note, else 0.
func (p *imagesPane) noteLines() int {
	if p.note != "" {
		return 1
	}
	return 0
}

// clearFilter drops the filter and shows every row again.
func (p *imagesPane) clearFilter() {
	p.filter = listFilter{}
	p.win.setHeight(p.listHeight())
	p.rebuild()
}

func (p *imagesPane) Init() tea.Cmd { return nil }

// ShortHelp and FullHelp relabel the shared keys for this pane.
func (p *imagesPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	enter := k.Enter
	enter.SetHelp("enter", "open")
	return []key.Binding{enter, k.Verify, k.Filter, k.Up, k.Down}
}

func (p *imagesPane) FullHelp() [][]key.Binding {
	k := p.c.Keys
	enter, back := k.Enter, k.Back
	enter.SetHelp("enter", "expand / select; one pane: go on")
	back.SetHelp("esc", "collapse / clear filter")
	return [][]key.Binding{{k.Up, k.Down, enter, back, k.Open, k.Verify, k.Filter, k.Copy}}
}

// rebuild flattens the tree after its data changed, keeping the cursor on
// the same row when it still exists.
func (p *imagesPane) rebuild() {
	var cur string
	if r, ok := p.current(); ok {
		cur = rowID(r)
	}
	p.rows = p.rows[:0]
	for _, repo := range p.s.repos {
		tl := p.s.tags[repo.Name]
		if p.filter.in.Value() != "" && !p.filter.matches(repo.Name) && !p.anyTagMatches(repo.Name, tl) {
			continue
		}
		p.rows = append(p.rows, imgRow{kind: rowRepo, repo: repo.Name})
		// A filter shows the matching tags of a closed repository too.
		if !p.open[repo.Name] && (p.filter.in.Value() == "" || p.filter.matches(repo.Name) || !p.anyTagMatches(repo.Name, tl)) {
			continue
		}
		if tl == nil {
			continue
		}
		for _, t := range tl.tags {
			ref := repo.Name + ":" + t.Name
			if !p.filter.matches(ref) {
				continue
			}
			p.rows = append(p.rows, imgRow{kind: rowTag, repo: repo.Name, tag: t, ref: ref})
			if !p.open[ref] {
				continue
			}
			if st := p.s.images[ref]; st != nil {
				for i := range st.img.Children {
					ch := &st.img.Children[i]
					p.rows = append(p.rows, imgRow{
						kind: rowPlatform, repo: repo.Name, tag: t,
						ref: repo.Name + "@" + ch.Digest, child: ch,
					})
				}
			}
		}
	}
	p.win.setLen(len(p.rows))
	if cur != "" {
		for i, r := range p.rows {
			if rowID(r) == cur {
				p.win.moveTo(i)
				break
			}
		}
	}
	p.revealChildren()
}

// anyTagMatches reports whether one of a repository's listed tags matches
// the filter.
func (p *imagesPane) anyTagMatches(repo string, tl *tagList) bool {
	if tl == nil {
		return false
	}
	for _, t := range tl.tags {
		if p.filter.matches(repo + ":" + t.Name) {
			return true
		}
	}
	return false
}

// revealChildren scrolls so that the rows under an expanded cursor row
// (an index's platforms, a repository's first tags) are on screen, the
// cursor row staying too.
func (p *imagesPane) revealChildren() {
	r, ok := p.current()
	if !ok {
		return
	}
	if (r.kind == rowRepo && !p.open[r.repo]) || (r.kind == rowTag && !p.open[r.ref]) || r.kind == rowPlatform {
		return
	}
	last := p.win.cursor
	for i := p.win.cursor + 1; i < len(p.rows); i++ {
		c := p.rows[i]
		if c.kind == rowRepo || (r.kind == rowTag && c.kind != rowPlatform) {
			break
		}
		last = i
	}
	p.win.reveal(p.win.cursor, last)
}

func rowID(r imgRow) string {
	if r.kind == rowRepo {
		return "repo:" + r.repo
	}
	return r.ref
}

func (p *imagesPane) current() (imgRow, bool) {
	if p.win.cursor < 0 || p.win.cursor >= len(p.rows) {
		return imgRow{}, false
	}
	return p.rows[p.win.cursor], true
}

// selectRef moves the cursor to ref, expanding its repository (shown
// even when the registry's catalog, cut at its last page or refused,
// does not list it: it was named).
func (p *imagesPane) selectRef(ref string) tea.Cmd {
	repo := repoOf(ref)
	if !slices.ContainsFunc(p.s.repos, func(r model.Repository) bool { return r.Name == repo }) {
		p.s.repos = append(p.s.repos, model.Repository{Registry: p.c.RegistryHost, Name: repo})
	}
	p.open[repo] = true
	p.rebuild()
	for i, r := range p.rows {
		if r.ref == ref {
			p.win.moveTo(i)
			return p.selectionCmd()
		}
	}
	var cmds []tea.Cmd
	if p.s.tags[repo] == nil {
		cmds = append(cmds, msgCmd(LoadTagsMsg{Repo: repo}))
	}
	if strings.Contains(ref, "@") && p.selected != ref {
		// A digest has no row of its own until its tag is known: select
		// it directly.
		p.selected = ref
		cmds = append(cmds, msgCmd(SelectImageMsg{Ref: ref}))
	}
	return tea.Batch(cmds...)
}

func msgCmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// selectionCmd tells the App what the cursor rests on.
func (p *imagesPane) selectionCmd() tea.Cmd {
	r, ok := p.current()
	if !ok || r.kind == rowRepo || r.ref == p.selected {
		return nil
	}
	p.selected = r.ref
	return msgCmd(SelectImageMsg{Ref: r.ref})
}

func (p *imagesPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := p.c.Keys
	switch {
	case p.win.navigate(km, k):
	case key.Matches(km, k.Enter):
		return p.toggle()
	case key.Matches(km, k.Back):
		return p.collapse()
	default:
		return nil
	}
	return p.selectionCmd()
}

func (p *imagesPane) toggle() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	switch r.kind {
	case rowRepo:
		p.open[r.repo] = !p.open[r.repo]
		p.rebuild()
		if p.open[r.repo] && p.s.tags[r.repo] == nil {
			return msgCmd(LoadTagsMsg{Repo: r.repo})
		}
	case rowTag:
		p.open[r.ref] = !p.open[r.ref]
		p.rebuild()
		p.selected = ""
		return p.selectionCmd()
	case rowPlatform:
		p.selected = ""
		return p.selectionCmd()
	}
	return nil
}

func (p *imagesPane) collapse() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	target := r.repo
	if r.kind == rowPlatform {
		target = r.repo + ":" + r.tag.Name
	}
	if r.kind == rowTag && p.open[r.ref] {
		target = r.ref
	}
	p.open[target] = false
	p.rebuild()
	for i, row := range p.rows {
		if rowID(row) == "repo:"+target || row.ref == target {
			p.win.moveTo(i)
		}
	}
	return p.selectionCmd()
}

// selectedValue is what `y` copies: the image reference with its digest.
func (p *imagesPane) selectedValue() string {
	r, ok := p.current()
	if !ok {
		return ""
	}
	switch r.kind {
	case rowRepo:
		return r.repo
	case rowPlatform:
		return r.ref
	}
	if st := p.s.images[r.ref]; st != nil && st.img.Digest != "" {
		return r.repo + "@" + st.img.Digest
	}
	if r.tag.Digest != "" {
		return r.repo + "@" + r.tag.Digest
	}
	return r.ref
}

func (p *imagesPane) title() string {
	t := "Images"
	if si := p.win.scrollInfo(); si != "" {
		t += " " + si
	}
	if q := p.quota(); q != "" {
		t += " · " + q
	}
	return t
}

// Column widths of the images pane: a verdict badge ("! not logged") and
// a digest cut in the middle ("sha256:1234…cdef").
const (
	imgStatusW = 12
	imgDigestW = 16
	imgNameMin = 16
)

// wantWidth is the width the pane's columns need for the rows it has:
// the widest name, the digest and the status.
func (p *imagesPane) wantWidth() int {
	nameW := len("REPOSITORY / TAG")
	for i, r := range p.rows {
		if i > 4096 {
			break
		}
		name, _, _ := p.cells(r, false)
		nameW = max(nameW, ansi.StringWidth(name))
	}
	return min(nameW, 48) + 1 + imgDigestW + 1 + imgStatusW + 1
}

// columns are the name and digest widths for a pane w cells wide (digest
// 0: not shown) and whether the status shows as a glyph only.
func (p *imagesPane) columns(w int) (nameW, digestW int, narrow bool) {
	if w < imgNameMin+2+imgStatusW {
		return max(w-3, 4), 0, true
	}
	nameW = w - imgStatusW - 2 // a blank cell before the border
	if nameW-imgDigestW-1 >= imgNameMin {
		return nameW - imgDigestW - 1, imgDigestW, false
	}
	return nameW, 0, false
}

func (p *imagesPane) View() string {
	st := p.c.Styles
	w, h := p.w, p.h
	if w <= 0 || h <= 0 {
		return ""
	}
	var lines []string
	switch {
	case p.s.reposErr != nil:
		lines = append(lines, styledWrap(st.Pane.Error, "✗ "+p.s.reposErr.Error(), w)...)
		lines = append(lines, styledWrap(st.Pane.Empty, "press r to retry", w)...)
		return clip(lines, w, h)
	case p.s.reposLoading && len(p.rows) == 0:
		return clip([]string{p.spinner + " loading repositories…"}, w, h)
	case len(p.rows) == 0 && !p.filter.active() && p.note != "":
		return clip(styledWrap(st.Pane.Empty, p.note, w), w, h)
	case len(p.rows) == 0 && !p.filter.active():
		return clip([]string{st.Pane.Empty.Render("no repositories in this registry")}, w, h)
	}
	if p.note != "" {
		lines = append(lines, st.Pane.Empty.Render(short(p.note, w)))
	}
	if p.filter.active() {
		lines = append(lines, p.filter.view(st, w, len(p.rows), p.countAll()))
	}
	nameW, digestW, narrow := p.columns(w)
	hdr := fit("REPOSITORY / TAG", nameW) + " "
	if digestW > 0 {
		hdr += fit("DIGEST", digestW) + " "
	}
	if narrow {
		hdr += "S"
	} else {
		hdr += "STATUS"
	}
	lines = append(lines, st.List.Header.Render(fit(hdr, w)))
	if len(p.rows) == 0 {
		lines = append(lines, st.Pane.Empty.Render("nothing matches the filter"))
	}
	from, to := p.win.visible()
	for i := from; i < to; i++ {
		r := p.rows[i]
		name, digest, badge := p.cells(r, narrow)
		line := fit(name, nameW) + " "
		if digestW > 0 {
			line += fit(digest, digestW) + " "
		}
		line += badge
		line = fit(line, w)
		if i == p.win.cursor {
			if p.focused {
				line = st.List.Selected.Render(ansi.Strip(line))
			} else {
				line = st.List.SelectedBlurred.Render(ansi.Strip(line))
			}
		}
		lines = append(lines, line)
	}
	return clip(lines, w, h)
}

// countAll is how many rows the tree would show without its filter: the
// repositories and the tags listed.
func (p *imagesPane) countAll() int {
	n := len(p.s.repos)
	for _, tl := range p.s.tags {
		n += len(tl.tags)
	}
	return n
}

// rowAt returns the row under line y of the pane's body (0 is its first
// line), if any.
func (p *imagesPane) rowAt(y int) (int, bool) {
	y -= 1 + p.noteLines() // column header, note
	if p.filter.active() {
		y--
	}
	from, to := p.win.visible()
	if y < 0 || from+y >= to {
		return 0, false
	}
	return from + y, true
}

func (p *imagesPane) cells(r imgRow, narrow bool) (name, digest, badge string) {
	st := p.c.Styles
	render := func(v model.Verdict) string {
		if narrow {
			return st.BadgeShort(v)
		}
		return st.VerdictBadge(v)
	}
	switch r.kind {
	case rowRepo:
		arrow := "▸ "
		if p.open[r.repo] {
			arrow = "▾ "
		}
		name = arrow + repoLabel(r.repo)
		tl := p.s.tags[r.repo]
		switch {
		case tl == nil:
		case tl.loading:
			badge = p.spinner
		case tl.err != nil:
			badge = st.Pane.Error.Render("✗ error")
		default:
			name += fmt.Sprintf(" (%d)", len(tl.tags))
		}
	case rowTag:
		arrow := "  "
		is := p.s.images[r.ref]
		if is != nil && len(is.img.Children) > 0 {
			arrow = "▸ "
			if p.open[r.ref] {
				arrow = "▾ "
			}
		}
		name = "  " + arrow + tagLabel(r.tag.Name)
		d := r.tag.Digest
		if is != nil && is.img.Digest != "" {
			d = is.img.Digest
		}
		digest = shortDigest(d)
		switch {
		case is != nil && is.err != nil:
			badge = st.Badge.Error.Render("? error")
		default:
			v := p.s.results[imageKey(r.ref)]
			if v == nil {
				badge = st.Badge.Pending.Render("·")
			} else {
				badge = render(v.verdict())
			}
		}
	case rowPlatform:
		name = "      " + tokenLabel(r.child.MediaType)
		if r.child.Platform != nil {
			name = "      " + tokenLabel(r.child.Platform.String())
		}
		digest = shortDigest(r.child.Digest)
		if v := p.s.results[imageKey(r.ref)]; v != nil {
			badge = render(v.verdict())
		}
	}
	return name, digest, badge
}

// shortDigest renders "sha256:<hex>" cut in the middle,
// "sha256:1a2b…9f0e", sanitised (a registry chooses the digest it lists).
func shortDigest(d string) string {
	alg, hexpart, ok := strings.Cut(safe(d), ":")
	if !ok {
		return midCut(d, imgDigestW)
	}
	return short(alg, 8) + ":" + midCut(hexpart, 9)
}

func wrapLines(lines []string, w int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	return out
}
