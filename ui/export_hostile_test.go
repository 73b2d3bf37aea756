package ui

// Accessors for the hostile-text tests (package ui_test): the frame before
// the second line of defence, and each pane's own view.

// Compose returns the screen before safetext.Frame: what the panes drew.
func (a *App) Compose() string { return a.compose() }

// PaneViews returns each pane's View, by pane name.
func (a *App) PaneViews() map[string]string {
	return map[string]string{
		"images":  a.images.View(),
		"entries": a.entries.View(),
		"proof":   a.proof.View(),
		"detail":  a.detail.View(),
	}
}
