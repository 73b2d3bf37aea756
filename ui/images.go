package ui

import (
	"fmt"
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
}

func newImagesPane(c *Common, s *session) *imagesPane {
	return &imagesPane{c: c, s: s, open: map[string]bool{}}
}

func (p *imagesPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.win.setHeight(h - 1)
}

func (p *imagesPane) Init() tea.Cmd { return nil }

// ShortHelp and FullHelp relabel the shared keys for this pane.
func (p *imagesPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	enter := k.Enter
	enter.SetHelp("enter", "expand / select")
	return []key.Binding{k.Up, k.Down, enter, k.Verify}
}

func (p *imagesPane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// rebuild flattens the tree after its data changed, keeping the cursor on
// the same row when it still exists.
func (p *imagesPane) rebuild() {
	var cur string
	if r, ok := p.current(); ok {
		cur = rowID(r)
	}
	p.rows = p.rows[:0]
	for _, repo := range p.s.repos {
		p.rows = append(p.rows, imgRow{kind: rowRepo, repo: repo.Name})
		if !p.open[repo.Name] {
			continue
		}
		tl := p.s.tags[repo.Name]
		if tl == nil {
			continue
		}
		for _, t := range tl.tags {
			ref := repo.Name + ":" + t.Name
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

// selectRef moves the cursor to ref, expanding its repository.
func (p *imagesPane) selectRef(ref string) tea.Cmd {
	repo, _, _ := strings.Cut(ref, ":")
	repo, _, _ = strings.Cut(repo, "@")
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
	return t
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
	case len(p.rows) == 0:
		return clip([]string{st.Pane.Empty.Render("no repositories in this registry")}, w, h)
	}
	badgeW := 12
	if w < 40 {
		badgeW = 2
	}
	digestW := 0
	if w >= 56 {
		digestW = 15
	}
	nameW := max(w-badgeW-digestW-2, 4)
	hdr := fit("REPOSITORY / TAG", nameW) + " "
	if digestW > 0 {
		hdr += fit("DIGEST", digestW) + " "
	}
	hdr += "STATUS"
	lines = append(lines, st.List.Header.Render(fit(hdr, w)))
	from, to := p.win.visible()
	for i := from; i < to; i++ {
		r := p.rows[i]
		name, digest, badge := p.cells(r, badgeW < 10)
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

// shortDigest renders "sha256:<hex>" as "sha256:1a2b3c4d", sanitised (a
// registry chooses the digest it lists).
func shortDigest(d string) string {
	alg, hexpart, ok := strings.Cut(safe(d), ":")
	if !ok {
		return hexShort(d, 12)
	}
	return short(alg, 12) + ":" + ansi.Truncate(hexpart, 8, "")
}

func wrapLines(lines []string, w int) []string {
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	return out
}
