package ui

// Accessors for the external tests (package ui_test), which need the fake
// backend (it imports ui).

func (a *App) SelectedImage() string { return a.selImage }
func (a *App) EntryCount() int       { return len(a.entries.refs) }
func (a *App) EntryCursor() int      { return a.entries.win.cursor }
func (a *App) Overlay() int          { return int(a.overlay) }
func (a *App) ProofMatch() bool      { return a.proof.trace != nil && a.proof.trace.Match() }
func (a *App) ConsistencyShown() (bool, error) {
	if a.proof.cons == nil {
		return false, a.proof.consErr
	}
	return true, a.proof.cons.Err
}

// VerdictOf returns the verdict shown for an image ref, and whether one is
// known.
func (a *App) VerdictOf(ref string) (string, bool) {
	v := a.s.results[imageKey(ref)]
	if v == nil {
		return "", false
	}
	return v.verdict().String(), true
}

// Reason returns the reason line of an image's verification.
func (a *App) Reason(ref string) string {
	v := a.s.results[imageKey(ref)]
	if v == nil || v.result == nil {
		return ""
	}
	return v.result.Reason()
}

// StepsShown is the number of steps of an image's verification shown so far.
func (a *App) StepsShown(ref string) int {
	v := a.s.results[imageKey(ref)]
	if v == nil {
		return 0
	}
	return len(v.steps)
}

// CurrentImageRow names the images pane's cursor row.
func (a *App) CurrentImageRow() string {
	r, ok := a.images.current()
	if !ok {
		return ""
	}
	return rowID(r)
}

// ConsistencySizes are the sizes of the consistency proof shown.
func (a *App) ConsistencySizes() (uint64, uint64) {
	if a.proof.cons == nil {
		return 0, 0
	}
	return a.proof.cons.Size1, a.proof.cons.Size2
}

// CachedEntries is how many log entries the entries pane holds.
func (a *App) CachedEntries() int { return len(a.entries.cache) }

// CurrentEntryUUID is the loaded entry under the entries cursor, or "".
func (a *App) CurrentEntryUUID() string {
	e, ok := a.entries.current()
	if !ok {
		return ""
	}
	return e.UUID
}

// Alerts are the banner's messages not yet dismissed.
func (a *App) Alerts() []string { return a.alerts() }

// ImageRowCount is how many rows the images pane lists.
func (a *App) ImageRowCount() int { return len(a.images.rows) }

// ImageRowsVisible are the images pane's rows on screen (their IDs).
func (a *App) ImageRowsVisible() []string {
	var out []string
	from, to := a.images.win.visible()
	for _, r := range a.images.rows[from:to] {
		out = append(out, rowID(r))
	}
	return out
}

// EntryRows is how many rows the entries list shows (after its filter).
func (a *App) EntryRows() int { return a.entries.rows() }
