package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// handleResult applies an async result; ok is false for messages that are
// not results.
func (a *App) handleResult(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case reposLoadedMsg:
		if msg.id != a.reposReq {
			return nil, true
		}
		a.s.reposLoading = false
		a.s.repos, a.s.reposErr = msg.repos, msg.err
		if msg.err != nil && !a.catalogUnavailable(msg.err) { // ui/open.go
			a.s.reposErr = fmt.Errorf("listing repositories: %w", msg.err)
		}
		a.images.rebuild()
		if a.pendingRef != "" {
			return a.images.selectRef(a.pendingRef), true
		}
		return a.images.selectionCmd(), true

	case LoadTagsMsg:
		return a.loadTags(msg.Repo), true

	case tagsLoadedMsg:
		tl := a.s.tags[msg.repo]
		if tl == nil {
			return nil, true
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
		return tea.Batch(append(cmds, a.queueVisibleImages())...), true

	case SelectImageMsg:
		if msg.Ref != a.images.selected {
			return nil, true // the cursor has moved on since
		}
		return a.selectImage(msg.Ref), true

	case imageLoadedMsg:
		// A late answer is still right about its image: keep it, but only
		// the current selection goes on to load entries.
		is := a.s.images[msg.ref]
		if is == nil {
			return nil, true
		}
		is.loading, is.err = false, msg.err
		if msg.err != nil {
			is.err = fmt.Errorf("resolving %s: %w", msg.ref, msg.err)
			return nil, true
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
			return tea.Batch(a.loadEntries(msg.ref), a.queueVisibleImages()), true
		}
		return a.queueVisibleImages(), true

	case entriesLoadedMsg:
		if msg.id != a.entriesReq {
			return nil, true
		}
		err := msg.err
		if err != nil && retryable(err) {
			err = fmt.Errorf("reading the log: %w", err)
		}
		a.entries.setEntries(msg.title, msg.uuids, msg.entries, err)
		if msg.note != "" {
			a.status = msg.note
		}
		if a.selImage != "" && msg.title == entriesTitle(a.selImage) {
			m := msg
			a.imageEntries = &m
			// Verify the image's entries in the background for the
			// status column (a search's results are verified on v).
			for i := range msg.entries {
				if len(msg.entries) > 64 {
					break
				}
				e := msg.entries[i]
				if a.s.results[entryKey(e.UUID)] == nil {
					a.bgQueue = append(a.bgQueue, bgJob{entry: &e})
				}
			}
		}
		return tea.Batch(a.selectEntryQuiet(0), a.pumpBackground()), true

	case SelectEntryMsg:
		if msg.Index != a.entries.win.cursor {
			return nil, true
		}
		return a.selectEntry(msg.Index), true

	case pageLoadedMsg:
		if msg.gen != a.entries.gen {
			return nil, true // a page of a list since replaced
		}
		a.entries.addPage(msg.gen, msg.from, msg.entries, msg.err)
		if e, ok := a.entries.current(); ok && (a.proof.entry == nil || a.proof.entry.UUID != e.UUID) {
			return a.selectEntry(a.entries.win.cursor), true
		}
		return nil, true

	case logInfoMsg:
		if msg.id != a.headReq {
			return nil, true
		}
		var cmds []tea.Cmd
		if a.c.RefreshInterval > 0 {
			a.tickReq = a.nextID()
			cmds = append(cmds, tickCmd(a.c.RefreshInterval, a.tickReq))
		}
		if msg.err != nil {
			a.s.headErr = fmt.Errorf("reading the log head: %w", msg.err)
			return tea.Batch(cmds...), true
		}
		a.s.headErr = nil
		cur := msg.info
		a.s.head = &cur
		return tea.Batch(append(cmds, a.headArrived(cur))...), true

	case recalledMsg:
		if msg.id != a.recallReq {
			return nil, true
		}
		a.s.recalling, a.s.recalled = false, true
		switch {
		case msg.err != nil:
			a.s.forget = true
			a.status = "✗ reading the remembered checkpoint: " + msg.err.Error() + " (nothing will be remembered this session)"
			r := msg.head
			a.s.remembered = &r
			return nil, true
		case msg.remembered == nil:
			// First sight of this tree: remember its head. A head checker
			// still checks it (the log may have dropped a remembered tree
			// for this one) and remembers it itself.
			r := msg.head
			a.s.remembered = &r
			if _, ok := a.c.Backend.(HeadChecker); ok {
				return a.headArrived(msg.head), true
			}
			return a.remember(nil, msg.head), true
		}
		r := *msg.remembered
		a.s.remembered = &r
		if a.s.head != nil {
			return a.headArrived(*a.s.head), true
		}
		return nil, true

	case rememberedMsg:
		if msg.err != nil {
			a.status = "✗ remembering checkpoint " + fmt.Sprint(msg.cur.TreeSize) + ": " + msg.err.Error()
		}
		return nil, true

	case tickMsg:
		if msg.id != a.tickReq {
			return nil, true
		}
		return a.refreshHead(), true

	case consistencyMsg:
		if (msg.manual && msg.id != a.consReq) || (!msg.manual && msg.id != a.autoConsReq) {
			return nil, true
		}
		if !msg.manual {
			a.autoConsRunning = 0
		}
		var tr *consistencyTrace
		var cmd tea.Cmd
		if msg.err == nil {
			// The trace only draws the proof; the verdict is proof/'s.
			t := traceConsistency(uint64(max(msg.old.TreeSize, 0)), uint64(max(msg.cur.TreeSize, 0)), msg.old.RootHash, msg.cur.RootHash, msg.proof) //nolint:gosec // G115: max(…, 0) is not negative
			t.Err = msg.problem
			tr = &t
			if msg.problem != nil {
				a.banner = "⚠ INCONSISTENT LOG: " + msg.problem.Error() + " — press c for the proof, e to export it"
				a.s.forget = true
			} else {
				if len(t.Nodes) > 0 {
					a.s.lastGrowth = tr
				}
				if h := a.s.head; h == nil || msg.cur.TreeSize > h.TreeSize {
					cur := msg.cur
					a.s.head = &cur
				}
				cmd = a.verifiedHead(msg.old, msg.cur)
			}
		}
		if msg.manual {
			a.proof.setConsistency(tr, msg.err)
		} else if msg.err != nil {
			a.s.headErr = msg.err
		}
		return cmd, true

	case verifyEventMsg:
		v := a.s.results[msg.key]
		if v == nil || v.id != msg.id {
			return nil, true // stale: a newer verification replaced it
		}
		if msg.step != nil {
			v.steps = append(v.steps, *msg.step)
			return waitVerify(msg.next), true
		}
		if msg.done {
			v.running = false
			res := msg.res
			v.result, v.err = &res, msg.err
			if len(v.steps) == 0 || len(res.Steps) >= len(v.steps) {
				v.steps = res.Steps
			}
			a.status = v.subject + ": " + verdictWord(v.verdict())
			if vd := v.verdict(); v.err == nil && vd != model.VerdictVerified && vd != model.VerdictPending {
				a.status += " · " + res.Reason() // the first failure, without scrolling the steps
				if a.detail.subjectKey() == msg.key {
					a.detail.revealFailure()
				}
			}
		}
		return nil, true

	case backgroundDoneMsg:
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
			return a.pumpBackground(), true // verified for a signer no longer pinned
		}
		if v := a.s.results[key]; v == nil || !v.running {
			res := msg.res
			nv := &verification{subject: res.Subject, result: &res, err: msg.err, steps: res.Steps}
			if msg.imgErr != nil {
				nv.result, nv.err = nil, msg.imgErr
			}
			a.s.results[key] = nv
		}
		return a.pumpBackground(), true

	case exportDoneMsg:
		switch {
		case msg.err != nil && len(msg.files) == 0:
			a.status = "✗ export failed: " + msg.err.Error()
		case msg.err != nil:
			a.status = fmt.Sprintf("wrote %d files to %s, but: %v", len(msg.files), msg.dir, msg.err)
		default:
			a.status = fmt.Sprintf("wrote %d files to %s", len(msg.files), msg.dir)
		}
		return nil, true

	case logOpenedMsg:
		if msg.id != a.logReq {
			return nil, true
		}
		if msg.err != nil {
			a.status = "✗ opening " + msg.choice.Name + ": " + msg.err.Error()
			return nil, true
		}
		a.c.Backend = msg.backend
		a.c.LogName = msg.choice.Name
		a.resetSession()
		a.status = "switched to " + msg.choice.Name
		cmds := []tea.Cmd{a.loadRepos(), a.refreshHead()}
		if a.signerSpec != "" { // the new log's backend has the starting signer
			cmds = append(cmds, a.pinSigner(a.signerSpec))
		}
		return tea.Batch(cmds...), true

	case signerPinnedMsg:
		if msg.id != a.signerReq {
			return nil, true
		}
		if msg.err != nil {
			a.status = "✗ signer: " + msg.err.Error()
			return nil, true
		}
		return a.signerPinned(msg), true
	}
	return nil, false
}

// headArrived checks a new log head against the remembered checkpoint:
// on the first head it asks the memory for one (or remembers this head),
// then every head that differs from it is proven consistent with it (with
// a HeadChecker backend, every head is checked by the log-head watcher).
func (a *App) headArrived(cur model.LogInfo) tea.Cmd {
	if r := a.s.remembered; r != nil && r.TreeID != "" && cur.TreeID != "" && r.TreeID != cur.TreeID {
		// The log moved to a new tree (shard): the remembered one is
		// another tree's, not comparable.
		a.s.remembered, a.s.recalled = nil, false
	}
	if a.s.recalling {
		return nil // the memory's answer will check this head
	}
	if a.s.remembered == nil {
		if mem, ok := a.c.Backend.(CheckpointMemory); ok && !a.s.recalled {
			a.s.recalling = true
			a.recallReq = a.nextID()
			return recallCmd(a.c.ctx(), mem, cur, a.recallReq)
		}
		r := cur
		a.s.remembered = &r
		return nil
	}
	old := *a.s.remembered
	_, checker := a.c.Backend.(HeadChecker)
	if !checker && old.TreeSize == cur.TreeSize && string(old.RootHash) == string(cur.RootHash) {
		return nil // a head checker checks every head: the log's other trees may have changed
	}
	if a.autoConsRunning == cur.TreeSize {
		return nil // already being checked
	}
	a.autoConsReq = a.nextID()
	a.autoConsRunning = cur.TreeSize
	return consistencyCmd(a.c.ctx(), a.c.Backend, old, &cur, false, a.autoConsReq)
}

// verifiedHead moves the remembered checkpoint on to cur, proven to extend
// old, and writes it to the memory unless the session stopped remembering.
func (a *App) verifiedHead(old, cur model.LogInfo) tea.Cmd {
	r := a.s.remembered
	if r == nil || r.TreeSize != old.TreeSize || string(r.RootHash) != string(old.RootHash) || cur.TreeSize < r.TreeSize {
		return nil // the remembered checkpoint moved on meanwhile
	}
	if cur.TreeSize == old.TreeSize && string(cur.RootHash) == string(old.RootHash) {
		return nil
	}
	c := cur
	a.s.remembered = &c
	return a.remember(&old, cur)
}

// remember writes cur to the memory (old is what it should still hold).
func (a *App) remember(old *model.LogInfo, cur model.LogInfo) tea.Cmd {
	mem, ok := a.c.Backend.(CheckpointMemory)
	if !ok || a.s.forget || cur.SignedTreeHead == "" {
		return nil
	}
	var o *model.LogInfo
	if old != nil {
		oc := *old
		o = &oc
	}
	return rememberCmd(a.c.ctx(), mem, o, cur)
}

func (a *App) resetSession() {
	s := newSession()
	*a.s = *s
	a.bgQueue, a.bgRunning, a.bgQueued = nil, 0, nil
	a.selImage, a.imageEntries, a.banner = "", nil, ""
	a.images.rows, a.images.selected = nil, ""
	a.images.open = map[string]bool{}
	a.entries.setEntries("Entries", nil, nil, nil)
	a.proof.setEntry(nil)
	a.detail.showImage("")
}

func entriesTitle(ref string) string { return "Entries · " + ref }

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

func (a *App) loadEntries(ref string) tea.Cmd {
	is := a.s.images[ref]
	if is == nil || a.c.Backend == nil {
		return nil
	}
	a.entriesReq = a.nextID()
	a.entries.setLoading(entriesTitle(ref))
	atts := append([]model.Attachment(nil), is.atts...)
	ctx, b, img, title := a.c.ctx(), a.c.Backend, is.img, entriesTitle(ref)
	a.entries.retry = func(id int) tea.Cmd { return entriesForCmd(ctx, b, title, img, atts, id) }
	return tea.Batch(a.entries.retry(a.entriesReq), a.startSpin())
}

// selectEntry shows entry i in the proof and detail panes.
func (a *App) selectEntry(i int) tea.Cmd {
	a.entries.win.moveTo(i)
	e, ok := a.entries.current()
	if !ok {
		a.proof.setEntry(nil)
		return nil
	}
	a.proof.setEntry(&e)
	a.detail.showEntry(&e)
	return nil
}

// selectEntryQuiet fills the proof pane without taking the detail pane
// from the image the user is looking at.
func (a *App) selectEntryQuiet(i int) tea.Cmd {
	a.entries.win.moveTo(i)
	e, ok := a.entries.current()
	if !ok {
		a.proof.setEntry(nil)
		return nil
	}
	a.proof.setEntry(&e)
	if a.focus != PaneImages && a.selImage == "" {
		a.detail.showEntry(&e)
	}
	return nil
}

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
