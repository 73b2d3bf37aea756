package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the explorer. Panes take the bindings they
// use from here (relabelling shared ones for their context) and match them
// with key.Matches only, so a session can rebind keys in one place.
type KeyMap struct {
	// Navigation.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	NextPane key.Binding
	PrevPane key.Binding
	Enter    key.Binding
	Back     key.Binding

	// Actions.
	Search      key.Binding
	Verify      key.Binding
	Consistency key.Binding
	Refresh     key.Binding
	LogPicker   key.Binding
	PinSigner   key.Binding
	Copy        key.Binding
	Export      key.Binding
	Learn       key.Binding

	// App.
	Help key.Binding
	Quit key.Binding
}

// DefaultKeyMap returns the explorer's default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		NextPane: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Enter:    key.NewBinding(key.WithKeys("enter", "right"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc", "left"), key.WithHelp("esc", "back")),

		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search the log")),
		Verify:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verify selection")),
		Consistency: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check consistency")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh / retry")),
		LogPicker:   key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "pick a log")),
		PinSigner:   key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pin a signer")),
		Copy:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy value")),
		Export:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export evidence")),
		Learn:       key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "teaching mode")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.Enter, k.Verify, k.Search, k.Help, k.Quit}
}

// FullHelp is the help overlay in columns: navigation, actions, app.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextPane, k.PrevPane, k.Enter, k.Back},
		{k.Search, k.Verify, k.Consistency, k.Refresh, k.LogPicker, k.PinSigner, k.Copy, k.Export},
		{k.Learn, k.Help, k.Quit},
	}
}
