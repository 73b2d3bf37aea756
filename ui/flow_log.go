package ui

// LOG flow: switching the session to another log (the log picker, key L)
// or to another registry (the o prompt, ui/open.go). Either answer carries
// the request ID of the last switch asked for; a stale one is dropped.

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// logFlow is the App's state of the log flow.
type logFlow struct {
	logReq      int
	registryReq int
}

// logOpenedMsg is the backend for the log chosen in the picker.
type logOpenedMsg struct {
	id      int
	choice  LogChoice
	backend Backend
	err     error
}

// handleLogMsg applies a message of the log flow; ok is false for any
// other message.
func (a *App) handleLogMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case logOpenedMsg:
		return a.logOpened(msg), true
	case registryOpenedMsg:
		return a.registryOpened(msg), true // ui/open.go
	}
	return nil, false
}

// openLog asks for a backend reading log c.
func (a *App) openLog(c LogChoice) tea.Cmd {
	a.logReq = a.nextID()
	a.status = "opening " + c.Name + "…"
	return openLogCmd(a.c.ctx(), a.c.OpenLog, c, a.logReq)
}

// logOpened switches the session to the log it opened: everything read
// from the previous one is forgotten, and the signer pinned is pinned
// again on the new backend.
func (a *App) logOpened(msg logOpenedMsg) tea.Cmd {
	if msg.id != a.logReq {
		return nil
	}
	if msg.err != nil {
		a.status = "✗ opening " + msg.choice.Name + ": " + msg.err.Error()
		return nil
	}
	a.c.Backend = msg.backend
	a.c.LogName = msg.choice.Name
	a.resetSession()
	a.status = "switched to " + msg.choice.Name
	cmds := []tea.Cmd{a.loadRepos(), a.refreshHead()}
	if a.signerSpec != "" { // the new log's backend has the starting signer
		cmds = append(cmds, a.pinSigner(a.signerSpec))
	}
	return tea.Batch(cmds...)
}

func (a *App) logsKey(msg tea.KeyPressMsg) tea.Cmd {
	choices := a.filteredLogs()
	switch {
	case msg.String() == "esc":
		a.overlay = overlayNone
		a.input.Blur()
		return nil
	case msg.String() == "enter":
		a.overlay = overlayNone
		a.input.Blur()
		if a.logCursor >= len(choices) {
			return nil
		}
		return a.openLog(choices[a.logCursor])
	case msg.String() == "up" || msg.String() == "ctrl+p":
		a.logCursor = max(a.logCursor-1, 0)
		return nil
	case msg.String() == "down" || msg.String() == "ctrl+n":
		a.logCursor = min(a.logCursor+1, max(len(choices)-1, 0))
		return nil
	}
	a.input.Update(msg)
	a.logCursor = min(a.logCursor, max(len(a.filteredLogs())-1, 0))
	return nil
}

// filteredLogs are the picker's choices matching the typed text as a fuzzy
// subsequence.
func (a *App) filteredLogs() []LogChoice {
	q := strings.ToLower(a.input.Value())
	var out []LogChoice
	for _, c := range a.c.Logs {
		if fuzzyMatch(strings.ToLower(c.Name+" "+c.URL), q) {
			out = append(out, c)
		}
	}
	return out
}

// resetSession forgets everything read from the previous log.
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

func openLogCmd(ctx context.Context, open func(context.Context, LogChoice) (Backend, error), c LogChoice, id int) tea.Cmd {
	return func() tea.Msg {
		b, err := open(ctx, c)
		return logOpenedMsg{id: id, choice: c, backend: b, err: err}
	}
}
