package ui

import (
	tea "charm.land/bubbletea/v2"
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
