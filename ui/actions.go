package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// subjectForFocus is what v, y and e act on: the entry under the cursor
// when the entries, proof or detail-of-an-entry pane has focus, else the
// image under the cursor.
func (a *App) entryFocused() bool {
	switch a.focus {
	case PaneEntries, PaneProof:
		return true
	case PaneDetail:
		return a.detail.entry != nil
	}
	return false
}

func (a *App) verifySelection() tea.Cmd {
	if a.c.Backend == nil {
		a.status = "nothing to verify against: no backend"
		return nil
	}
	var subj Subject
	var key string
	if a.entryFocused() {
		e, ok := a.entries.current()
		if a.focus == PaneDetail && a.detail.entry != nil {
			e, ok = *a.detail.entry, true
		}
		if !ok {
			a.status = "no entry selected"
			return nil
		}
		subj, key = Subject{Entry: &e}, entryKey(e.UUID)
		a.detail.showEntry(&e)
	} else {
		ref := a.selImage
		if r, ok := a.images.current(); ok && r.kind != rowRepo && a.focus == PaneImages {
			ref = r.ref
		}
		if ref == "" {
			a.status = "select an image (a tag) to verify"
			return nil
		}
		subj = Subject{Ref: ref}
		if is := a.s.images[ref]; is != nil && is.loaded {
			img := is.img
			subj.Image = &img
			subj.Attachments = append([]model.Attachment(nil), is.atts...)
		}
		key = imageKey(ref)
		if ref != a.selImage {
			a.selImage = ref
		}
		a.detail.showImage(ref)
	}
	id := a.nextID()
	a.s.results[key] = &verification{subject: subj.Name(), id: id, running: true}
	if a.focus != PaneDetail && a.c.Width < gridW {
		// One pane at a time: show the steps as they arrive.
		a.setFocus(PaneDetail)
	}
	return tea.Batch(verifyCmd(a.c.ctx(), a.c.Backend, subj, key, id), a.startSpin())
}

func (a *App) checkConsistency() tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	if a.s.remembered == nil {
		a.status = "no checkpoint remembered yet: the log head has not loaded"
		if a.s.headErr != nil {
			a.status += " (" + a.s.headErr.Error() + ")"
		}
		return a.refreshHead()
	}
	a.consReq = a.nextID()
	a.proof.consRunning, a.proof.cons, a.proof.consErr = true, nil, nil
	a.setFocus(PaneProof)
	return tea.Batch(consistencyCmd(a.c.ctx(), a.c.Backend, *a.s.remembered, nil, true, a.consReq), a.startSpin())
}

func (a *App) refresh() tea.Cmd {
	cmds := []tea.Cmd{a.refreshHead()}
	switch a.focus {
	case PaneImages:
		cmds = append(cmds, a.loadRepos())
		for repo, tl := range a.s.tags {
			if tl.err != nil || a.images.open[repo] {
				cmds = append(cmds, a.loadTags(repo))
			}
		}
		a.status = "refreshing the registry and the log head"
	case PaneEntries:
		if a.entries.retry != nil {
			a.entriesReq = a.nextID()
			title := a.entries.title
			a.entries.setLoading(title)
			cmds = append(cmds, a.entries.retry(a.entriesReq), a.startSpin())
		}
		a.status = "reloading entries"
	default:
		if ref := a.detail.imageRef; ref != "" {
			if is := a.s.images[ref]; is != nil && is.err != nil {
				delete(a.s.images, ref)
				cmds = append(cmds, a.selectImage(ref))
			}
		}
		a.status = "refreshing the log head"
	}
	return tea.Batch(cmds...)
}

func (a *App) selectedValue() string {
	switch a.focus {
	case PaneImages:
		return a.images.selectedValue()
	case PaneEntries:
		return a.entries.selectedValue()
	case PaneProof:
		return a.proof.selectedValue()
	case PaneDetail:
		return a.detail.selectedValue()
	}
	return ""
}

func (a *App) copySelection() tea.Cmd {
	v := a.selectedValue()
	if v == "" {
		a.status = "nothing selected to copy"
		return nil
	}
	a.status = "copied " + short(v, 40) + " (OSC 52)"
	return tea.SetClipboard(v)
}

func (a *App) export() tea.Cmd {
	if a.c.ExportDir == "" {
		a.status = "export is disabled in this session"
		return nil
	}
	var ev evidence
	if a.entryFocused() {
		e, ok := a.entries.current()
		if a.focus == PaneDetail && a.detail.entry != nil {
			e, ok = *a.detail.entry, true
		}
		if !ok {
			a.status = "no entry selected"
			return nil
		}
		ev.name = "entry-" + short(e.UUID, 16)
		ev.entries = []model.LogEntry{e}
		if v := a.s.results[entryKey(e.UUID)]; v != nil && v.result != nil {
			r := *v.result
			ev.result = &r
		}
		if a.proof.trace != nil && a.proof.entry != nil && a.proof.entry.UUID == e.UUID {
			ev.proof = traceText(*a.proof.trace)
		}
	} else {
		ref := a.selImage
		is := a.s.images[ref]
		if ref == "" || is == nil || !is.loaded {
			a.status = "select a resolved image to export"
			return nil
		}
		ev.name = ref
		img := is.img
		ev.image = &img
		ev.atts = append([]model.Attachment(nil), is.atts...)
		if a.imageEntries != nil && a.imageEntries.title == entriesTitle(ref) {
			ev.entries = append([]model.LogEntry(nil), a.imageEntries.entries...)
		}
		if v := a.s.results[imageKey(ref)]; v != nil && v.result != nil {
			r := *v.result
			ev.result = &r
		}
	}
	if a.s.head != nil {
		h := *a.s.head
		ev.head = &h
	}
	a.status = "exporting…"
	return exportCmd(a.c.Backend, a.c.ExportDir, a.c.now(), ev)
}

// traceText is the inclusion proof as plain text, for evidence files.
func traceText(t inclusionTrace) string {
	var b strings.Builder
	fmt.Fprintf(&b, "RFC 6962 inclusion proof: leaf %d of %d\n", t.Index, t.Size)
	fmt.Fprintf(&b, "leaf %s = SHA-256(0x00 || body) = %s\n", t.Leaf.addr(), hexOf(t.Leaf.Hash))
	for _, s := range t.Steps {
		fmt.Fprintf(&b, "%s = SHA-256(0x01 || %s %s || %s %s) = %s\n", s.Out.addr(),
			s.Left.addr(), hexOf(s.Left.Hash), s.Right.addr(), hexOf(s.Right.Hash), hexOf(s.Out.Hash))
	}
	fmt.Fprintf(&b, "computed root   %s\ncheckpoint root %s\n", hexOf(t.Computed), hexOf(t.Expected))
	if t.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", t.Err)
	} else if t.Match() {
		b.WriteString("match: the entry is included in the checkpointed tree\n")
	} else {
		b.WriteString("MISMATCH: the proof does not lead to the checkpoint's root\n")
	}
	return b.String()
}
