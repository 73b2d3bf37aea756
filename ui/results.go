package ui

import (
	tea "charm.land/bubbletea/v2"
)

// handleResult routes a message to the flow that owns it: each flow
// declares its messages, keeps its request IDs and drops its stale
// answers in its own file (ui/flow_*.go, ui/timeline.go, ui/watch.go). ok
// is false for messages no flow owns.
func (a *App) handleResult(msg tea.Msg) (tea.Cmd, bool) {
	for _, handle := range [...]func(tea.Msg) (tea.Cmd, bool){
		a.handleImagesMsg, a.handleEntriesMsg, a.handleVerifyMsg, a.handleHeadMsg,
		a.handleLogMsg, a.handleExportMsg, a.handleTimelineMsg, a.handleWatchMsg,
	} {
		if cmd, ok := handle(msg); ok {
			return cmd, true
		}
	}
	return nil, false
}
