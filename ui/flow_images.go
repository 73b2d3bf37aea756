package ui

// IMAGES flow: the registry's repositories and tags, the image selected in
// the images pane (resolved, then its log entries loaded by the entries
// flow) and the background verifications that fill the badges. Its
// results carry a request ID (tags and background jobs carry their repo or
// ref and signer generation instead) and stale ones are dropped.

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// imagesFlow is the App's state of the images flow.
type imagesFlow struct {
	reposReq int
	imageReq int
	// selImage is the image selected (its entries shown); pendingRef the
	// one to select once its repository or tag has loaded (WithImage, the
	// o prompt).
	selImage   string
	pendingRef string
	// forwardRef is the tag Enter was pressed on in the one-pane layout
	// before its image had loaded: once it has, focus moves on.
	forwardRef string
	bgQueue    []bgJob
	bgRunning  int
	// bgQueued are the image refs queued or verified in the background
	// (queueVisibleImages), so a row scrolling back is not queued twice.
	bgQueued map[string]bool
}

type bgJob struct {
	ref   string
	entry *model.LogEntry
	// gen is the signer generation an image job verifies for (see
	// signerGen); a result for an older one is dropped.
	gen int
}

// reposLoadedMsg is the registry's repositories for request id.
type reposLoadedMsg struct {
	id    int
	repos []model.Repository
	err   error
}

// tagsLoadedMsg is a repository's tags.
type tagsLoadedMsg struct {
	repo string
	tags []model.Tag
	err  error
}

// imageLoadedMsg is ref resolved (its manifest and attachments) for
// request id.
type imageLoadedMsg struct {
	id   int
	ref  string
	img  model.Image
	atts []model.Attachment
	err  error
}

// backgroundDoneMsg is a background job's image resolution and verdict.
type backgroundDoneMsg struct {
	ref string
	// entryUUID is set for an entry's verification.
	entryUUID string
	img       model.Image
	atts      []model.Attachment
	res       model.Result
	err       error
	// imgErr means resolving failed (the verdict is then meaningless).
	imgErr error
	// gen is the signer generation of an image's verification (bgJob.gen).
	gen int
}

// handleImagesMsg applies a message of the images flow; ok is false for
// any other message.
func (a *App) handleImagesMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case reposLoadedMsg:
		return a.reposLoaded(msg), true
	case LoadTagsMsg:
		return a.loadTags(msg.Repo), true
	case tagsLoadedMsg:
		return a.tagsLoaded(msg), true
	case SelectImageMsg:
		if msg.Ref != a.images.selected {
			return nil, true // the cursor has moved on since
		}
		return a.selectImage(msg.Ref), true
	case imageLoadedMsg:
		return a.imageLoaded(msg), true
	case backgroundDoneMsg:
		return a.backgroundDone(msg), true
	}
	return nil, false
}

func (a *App) reposLoaded(msg reposLoadedMsg) tea.Cmd {
	if msg.id != a.reposReq {
		return nil
	}
	a.s.reposLoading = false
	a.s.repos, a.s.reposErr = msg.repos, msg.err
	if msg.err != nil && !a.catalogUnavailable(msg.err) { // ui/open.go
		a.s.reposErr = fmt.Errorf("listing repositories: %w", msg.err)
	}
	a.images.rebuild()
	if a.pendingRef != "" {
		return a.images.selectRef(a.pendingRef)
	}
	return a.images.selectionCmd()
}

// tagsLoaded takes a repository's tags: there is one listing per
// repository at a time, so the answer is never stale.
func (a *App) tagsLoaded(msg tagsLoadedMsg) tea.Cmd {
	tl := a.s.tags[msg.repo]
	if tl == nil {
		return nil
	}
	tl.loading, tl.tags, tl.err = false, msg.tags, msg.err
	if msg.err != nil {
		tl.err = fmt.Errorf("listing tags of %s: %w", msg.repo, msg.err)
	}
	a.images.rebuild()
	var cmds []tea.Cmd
	if a.pendingRef != "" {
		cmds = append(cmds, a.images.selectRef(a.pendingRef))
	} else {
		cmds = append(cmds, a.images.selectionCmd())
	}
	// Only the rows on screen are verified (ui/open.go).
	return tea.Batch(append(cmds, a.queueVisibleImages())...)
}

// imageLoaded keeps a resolved image even when it comes late (it is still
// right about its image), but only the current selection goes on to load
// entries.
func (a *App) imageLoaded(msg imageLoadedMsg) tea.Cmd {
	is := a.s.images[msg.ref]
	if is == nil {
		return nil
	}
	is.loading, is.err = false, msg.err
	if msg.err != nil {
		is.err = fmt.Errorf("resolving %s: %w", msg.ref, msg.err)
		return nil
	}
	is.img, is.atts, is.loaded = msg.img, msg.atts, true
	a.images.rebuild()
	if msg.ref == a.forwardRef {
		a.forwardRef = ""
		if a.focus == PaneImages && !a.grid() && len(is.img.Children) == 0 {
			a.setFocus(PaneEntries)
		}
	}
	if msg.ref == a.selImage && msg.id == a.imageReq {
		return tea.Batch(a.loadEntries(msg.ref), a.queueVisibleImages())
	}
	return a.queueVisibleImages()
}

// backgroundDone records a background verification (an image's, or an
// entry's) unless one the user started is running for it, and starts the
// next queued job. An image verified for a signer no longer pinned keeps
// its resolution but not its verdict.
func (a *App) backgroundDone(msg backgroundDoneMsg) tea.Cmd {
	a.bgRunning--
	key := imageKey(msg.ref)
	if msg.entryUUID != "" {
		key = entryKey(msg.entryUUID)
	} else {
		is := a.s.images[msg.ref]
		if is == nil {
			is = &imageState{}
			a.s.images[msg.ref] = is
		}
		if !is.loaded && !is.loading {
			is.img, is.atts, is.err, is.loaded = msg.img, msg.atts, msg.imgErr, msg.imgErr == nil
		}
		a.images.rebuild()
	}
	if msg.entryUUID == "" && msg.gen != a.signerGen {
		return a.pumpBackground() // verified for a signer no longer pinned
	}
	if v := a.s.results[key]; v == nil || !v.running {
		res := msg.res
		nv := &verification{subject: res.Subject, result: &res, err: msg.err, steps: res.Steps}
		if msg.imgErr != nil {
			nv.result, nv.err = nil, msg.imgErr
		}
		a.s.results[key] = nv
	}
	return a.pumpBackground()
}

func (a *App) loadRepos() tea.Cmd {
	if a.c.Backend == nil {
		a.s.reposErr = fmt.Errorf("no registry configured")
		return nil
	}
	a.reposReq = a.nextID()
	a.s.reposLoading, a.s.reposErr = true, nil
	return tea.Batch(loadReposCmd(a.c.ctx(), a.c.Backend, a.reposReq), a.startSpin())
}

func (a *App) loadTags(repo string) tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	tl := a.s.tags[repo]
	if tl == nil {
		tl = &tagList{}
		a.s.tags[repo] = tl
	}
	tl.loading, tl.err = true, nil
	a.images.rebuild()
	return tea.Batch(loadTagsCmd(a.c.ctx(), a.c.Backend, repo), a.startSpin())
}

func (a *App) selectImage(ref string) tea.Cmd {
	if ref == a.pendingRef {
		a.pendingRef = ""
	}
	a.selImage = ref
	a.detail.showImage(ref)
	a.proof.setEntry(nil)
	is := a.s.images[ref]
	if is != nil && is.loaded {
		return a.loadEntries(ref)
	}
	if a.c.Backend == nil {
		return nil
	}
	if is == nil {
		is = &imageState{}
		a.s.images[ref] = is
	}
	is.loading, is.err = true, nil
	a.imageReq = a.nextID()
	a.entriesReq = a.nextID() // drop entries of the previous image
	a.entries.setLoading(entriesTitle(ref))
	return tea.Batch(loadImageCmd(a.c.ctx(), a.c.Backend, ref, a.imageReq), a.startSpin())
}

// dropImageVerdicts forgets every image verdict and the queued background
// image verifications; entry verdicts and queued entry jobs stay, since
// they depend on neither the registry nor the signer.
func (a *App) dropImageVerdicts() {
	for k := range a.s.results {
		if strings.HasPrefix(k, imageKey("")) {
			delete(a.s.results, k)
		}
	}
	queue := a.bgQueue[:0]
	for _, j := range a.bgQueue {
		if j.entry != nil {
			queue = append(queue, j)
		}
	}
	a.bgQueue, a.bgQueued = queue, map[string]bool{}
}

// pumpBackground starts queued background verifications, at most maxBg
// at a time.
func (a *App) pumpBackground() tea.Cmd {
	var cmds []tea.Cmd
	for a.bgRunning < maxBg && len(a.bgQueue) > 0 && a.c.Backend != nil {
		j := a.bgQueue[0]
		a.bgQueue = a.bgQueue[1:]
		a.bgRunning++
		if j.entry != nil {
			cmds = append(cmds, backgroundEntryCmd(a.c.ctx(), a.c.Backend, *j.entry))
		} else {
			img, atts := a.bgImage(j.ref)
			cmds = append(cmds, backgroundCmd(a.c.ctx(), a.c.Backend, j.ref, img, atts, j.gen))
		}
	}
	if len(cmds) > 0 {
		cmds = append(cmds, a.startSpin())
	}
	return tea.Batch(cmds...)
}

func loadReposCmd(ctx context.Context, b Backend, id int) tea.Cmd {
	return func() tea.Msg {
		rs, err := b.Repositories(ctx)
		return reposLoadedMsg{id: id, repos: rs, err: err}
	}
}

func loadTagsCmd(ctx context.Context, b Backend, repo string) tea.Cmd {
	return func() tea.Msg {
		ts, err := b.Tags(ctx, repo)
		return tagsLoadedMsg{repo: repo, tags: ts, err: err}
	}
}

func loadImageCmd(ctx context.Context, b Backend, ref string, id int) tea.Cmd {
	return func() tea.Msg {
		img, atts, err := b.Image(ctx, ref)
		return imageLoadedMsg{id: id, ref: ref, img: img, atts: atts, err: err}
	}
}

// backgroundCmd resolves an image (unless given: the explorer resolved
// it already) and verifies it, for the badges. The verifier gets the
// image it resolved, so the registry is asked once per image.
func backgroundCmd(ctx context.Context, b Backend, ref string, resolved *model.Image, resolvedAtts []model.Attachment, gen int) tea.Cmd {
	return func() tea.Msg {
		var img model.Image
		var atts []model.Attachment
		if resolved != nil {
			img, atts = *resolved, resolvedAtts
		} else {
			var err error
			if img, atts, err = b.Image(ctx, ref); err != nil {
				return backgroundDoneMsg{ref: ref, imgErr: err, gen: gen}
			}
		}
		res, verr := b.Verify(ctx, Subject{Ref: ref, Image: &img, Attachments: atts}, nil)
		return backgroundDoneMsg{ref: ref, img: img, atts: atts, res: res, err: verr, gen: gen}
	}
}

// backgroundEntryCmd verifies one log entry, for the status column.
func backgroundEntryCmd(ctx context.Context, b Backend, e model.LogEntry) tea.Cmd {
	return func() tea.Msg {
		res, err := b.Verify(ctx, Subject{Entry: &e}, nil)
		return backgroundDoneMsg{entryUUID: e.UUID, res: res, err: err}
	}
}
