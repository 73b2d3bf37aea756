package ui

// Opening an image by name (key o), the note of a registry without a
// catalog, the pull quota, and verifying only the images on screen.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// QuotaReporter is implemented by a Backend whose registry states a pull
// quota (Docker Hub's ratelimit-remaining header): the images pane's
// title shows it.
type QuotaReporter interface {
	// Quota is the quota the registry's last answer stated; ok is false
	// when none did.
	Quota() (remaining, limit int, ok bool)
}

// RegistryOpener returns a Backend like b that browses the registry at
// host (the o prompt's HOST/REPO on another registry).
type RegistryOpener func(ctx context.Context, b Backend, host string) (Backend, error)

// WithRecent gives the o prompt the references opened before (newest
// first) and remember, called with each reference opened (nil: nothing
// is remembered).
func WithRecent(recent []string, remember func(ref string)) Option {
	return func(a *App) {
		a.recent = append([]string(nil), recent...)
		a.rememberRef = remember
	}
}

// WithRegistryOpener lets the o prompt open images on another registry.
func WithRegistryOpener(open RegistryOpener) Option {
	return func(a *App) { a.openRegistry = open }
}

// ErrBadReference marks what was typed at the o prompt that is not a
// reference HOST/REPO[:TAG|@DIGEST] (an input error).
var ErrBadReference = errors.New("not an image reference")

// maxRefLen bounds a reference typed or remembered.
const maxRefLen = 512

var (
	refHost   = `(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?`
	refPath   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*`
	refSuffix = `(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64}|@sha512:[a-f0-9]{128})?`
	refRE     = regexp.MustCompile(`^(` + refHost + `)/(` + refPath + `)(` + refSuffix + `)$`)
)

// ParseOpenRef reads a reference typed at the o prompt (or remembered):
// HOST/REPO[:TAG|@DIGEST] in the OCI grammar, HOST holding a dot or a
// port or being localhost. Anything else, control characters and escape
// sequences included, is ErrBadReference, its text sanitised in the
// error. host is HOST, ref "REPO[:TAG|@DIGEST]".
func ParseOpenRef(s string) (host, ref string, err error) {
	s = strings.TrimSpace(s)
	bad := func(why string) error {
		return fmt.Errorf("%w: “%s” (%s)", ErrBadReference, short(s, 80), why)
	}
	if len(s) > maxRefLen {
		return "", "", bad(fmt.Sprintf("longer than %d bytes", maxRefLen))
	}
	m := refRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", bad("want HOST/REPO[:TAG|@DIGEST]")
	}
	host = m[1]
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return "", "", bad("the first part must be a registry host such as ghcr.io or 127.0.0.1:5000")
	}
	return host, m[2] + m[3], nil
}

// repoOf is the repository of ref ("repo:tag", "repo@digest").
func repoOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// registryOpenedMsg is the RegistryOpener's answer for an o prompt.
type registryOpenedMsg struct {
	id      int
	host    string
	ref     string
	backend Backend
	err     error
}

func openRegistryCmd(ctx context.Context, open RegistryOpener, b Backend, host, ref string, id int) tea.Cmd {
	return func() tea.Msg {
		nb, err := open(ctx, b, host)
		return registryOpenedMsg{id: id, host: host, ref: ref, backend: nb, err: err}
	}
}

// openKey handles a key in the o prompt: up and down walk the references
// opened before.
func (a *App) openKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "up", "down":
		if len(a.recent) == 0 {
			return nil
		}
		if msg.String() == "up" {
			a.recentPos = min(a.recentPos+1, len(a.recent)-1)
		} else {
			a.recentPos = max(a.recentPos-1, 0)
		}
		a.input.SetValue(a.recent[a.recentPos])
		return nil
	}
	return a.promptKey(msg, a.openRef)
}

// openRef opens what was typed at the o prompt: on this registry it
// selects the image (listing its repository's tags, no catalog needed);
// on another one it switches the explorer to that registry first.
func (a *App) openRef(text string) tea.Cmd {
	host, ref, err := ParseOpenRef(text)
	if err != nil {
		a.status = "✗ " + err.Error()
		return nil
	}
	full := host + "/" + ref
	a.addRecent(full)
	var remember tea.Cmd
	if save := a.rememberRef; save != nil {
		remember = func() tea.Msg { save(full); return nil } // a file write: off the Update loop
	}
	if host == a.c.RegistryHost {
		return tea.Batch(remember, a.openOnThisRegistry(ref))
	}
	if a.openRegistry == nil || a.c.Backend == nil {
		a.status = fmt.Sprintf("✗ %s is on another registry; this session browses %s only", safe(full), safe(a.c.RegistryHost))
		return remember
	}
	a.registryReq = a.nextID()
	a.status = "opening " + safe(full) + "…"
	return tea.Batch(remember, openRegistryCmd(a.c.ctx(), a.openRegistry, a.c.Backend, host, ref, a.registryReq))
}

func (a *App) addRecent(full string) {
	out := []string{full}
	for _, r := range a.recent {
		if r != full && len(out) < maxRecent {
			out = append(out, r)
		}
	}
	a.recent = out
}

// maxRecent bounds the references the o prompt offers.
const maxRecent = 20

// openOnThisRegistry shows repo (listed or not) and selects ref in it.
func (a *App) openOnThisRegistry(ref string) tea.Cmd {
	repo := repoOf(ref)
	a.showRepo(repo)
	a.s.reposErr = nil
	a.pendingRef = ref
	a.setFocus(PaneImages)
	if tl := a.s.tags[repo]; tl != nil && tl.err != nil {
		delete(a.s.tags, repo) // list it again
	}
	return a.images.selectRef(ref)
}

// registryOpened switches the explorer to the registry the o prompt named.
func (a *App) registryOpened(msg registryOpenedMsg) tea.Cmd {
	if msg.id != a.registryReq {
		return nil
	}
	if msg.err != nil {
		a.status = "✗ opening " + safe(msg.host) + ": " + msg.err.Error()
		return nil
	}
	a.c.Backend, a.c.RegistryHost = msg.backend, msg.host
	a.s.repos, a.s.reposErr, a.s.reposLoading = nil, nil, false
	a.s.tags, a.s.images = map[string]*tagList{}, map[string]*imageState{}
	a.dropImageVerdicts()
	a.images.open, a.images.selected, a.images.note = map[string]bool{}, "", ""
	a.images.win.setHeight(a.images.listHeight())
	a.selImage, a.openedRepos = "", nil
	a.pendingRef = msg.ref
	return a.loadRepos()
}

// catalogUnavailable handles a registry that will not list its
// repositories: not a failure, the images pane says so in one line and
// shows the repository the explorer was opened on, if any.
func (a *App) catalogUnavailable(err error) bool {
	var cu *registry.CatalogUnavailableError
	if !errors.As(err, &cu) {
		return false
	}
	why := "does not list its repositories"
	if cu.Refused() {
		why = "refuses to list its repositories"
	}
	a.images.note = fmt.Sprintf("ⓘ %s %s: press o to open HOST/REPO[:TAG]", safe(a.c.RegistryHost), why)
	a.images.win.setHeight(a.images.listHeight())
	for _, repo := range a.openedRepos { // a refresh keeps them
		a.showRepo(repo)
	}
	if a.pendingRef != "" {
		a.showRepo(repoOf(a.pendingRef))
	}
	a.s.reposErr = nil
	return true
}

// showRepo adds repo to the tree (a registry without a catalog lists
// none) and remembers it was opened, for a refresh.
func (a *App) showRepo(repo string) {
	if !slices.Contains(a.openedRepos, repo) {
		a.openedRepos = append(a.openedRepos, repo)
	}
	for _, r := range a.s.repos {
		if r.Name == repo {
			return
		}
	}
	a.s.repos = append(a.s.repos, model.Repository{Registry: a.c.RegistryHost, Name: repo})
}

// queueVisibleImages queues a background verification for each tag and
// platform row on screen that has no verdict yet and whose image is not
// being resolved for the selection (that one is queued when it has
// loaded, to be resolved once): what is off screen costs the registry
// nothing until it scrolls into view.
func (a *App) queueVisibleImages() tea.Cmd {
	if a.bgQueued == nil {
		a.bgQueued = map[string]bool{}
	}
	from, to := a.images.win.visible()
	for i := from; i < to && i < len(a.images.rows); i++ {
		r := a.images.rows[i]
		if r.kind == rowRepo || a.bgQueued[r.ref] || a.s.results[imageKey(r.ref)] != nil {
			continue
		}
		if r.kind == rowTag && r.tag.Err != "" {
			continue
		}
		is := a.s.images[r.ref]
		if is != nil && (is.loading || is.err != nil) {
			continue
		}
		if r.ref == a.images.selected && (is == nil || !is.loaded) {
			continue // selectImage resolves it; queued once it has
		}
		a.bgQueued[r.ref] = true
		a.bgQueue = append(a.bgQueue, bgJob{ref: r.ref, gen: a.signerGen})
	}
	return a.pumpBackground()
}

// bgImage is what a background job for ref may reuse: the image and its
// attachments when the explorer has resolved them already.
func (a *App) bgImage(ref string) (*model.Image, []model.Attachment) {
	is := a.s.images[ref]
	if is == nil || !is.loaded {
		return nil, nil
	}
	img := is.img
	return &img, append([]model.Attachment(nil), is.atts...)
}

// openView is the o prompt: the reference typed and the ones opened
// before (sanitised: the file they come from is not trusted either).
func (a *App) openView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	lines := []string{
		st.Detail.Heading.Render("Open an image"),
		a.input.View(st, bw),
		st.Detail.Note.Render(fit("HOST/REPO[:TAG|@DIGEST]   e.g. ghcr.io/org/app:v1", bw)),
	}
	for i, r := range a.recent {
		if i == 5 {
			break
		}
		lines = append(lines, fit("  "+short(r, bw-2), bw))
	}
	lines = append(lines, st.Detail.Note.Render(fit("enter open · ↑↓ recent · esc cancel", bw)))
	return strings.Join(lines, "\n")
}

// quota is the pull quota for the images pane's title ("" when the
// registry stated none).
func (p *imagesPane) quota() string {
	q, ok := p.c.Backend.(QuotaReporter)
	if !ok {
		return ""
	}
	rem, limit, ok := q.Quota()
	switch {
	case !ok:
		return ""
	case limit > 0:
		return fmt.Sprintf("quota %d/%d", rem, limit)
	}
	return fmt.Sprintf("quota %d", rem)
}
