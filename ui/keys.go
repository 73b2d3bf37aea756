package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

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
	// JumpPane goes straight to pane 1–4 (images, entries, proof,
	// detail): the digit pressed says which.
	JumpPane key.Binding
	Enter    key.Binding
	Back     key.Binding

	// Actions.
	Filter      key.Binding
	Search      key.Binding
	Open        key.Binding
	Verify      key.Binding
	Consistency key.Binding
	Refresh     key.Binding
	LogPicker   key.Binding
	PinSigner   key.Binding
	Copy        key.Binding
	Export      key.Binding
	Dismiss     key.Binding
	Learn       key.Binding
	Timeline    key.Binding
	Watch       key.Binding

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
		NextPane: key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab/→/l", "next pane")),
		PrevPane: key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("⇧tab/←/h", "previous pane")),
		JumpPane: key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1-4", "jump to pane")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),

		Filter:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter this list")),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search the log")),
		Open:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open an image")),
		Verify:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verify selection")),
		Consistency: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check consistency")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh / retry")),
		LogPicker:   key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "pick a log")),
		PinSigner:   key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pin a signer")),
		Copy:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy value")),
		Export:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export evidence")),
		Dismiss:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dismiss alert")),
		Timeline:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline of the image")),
		Watch:       key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "watch for a signer")),
		Learn:       key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "teaching mode")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line footer's fixed part: help and quit, which the
// footer never drops.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Quit}
}

// FullHelp is the help overlay in columns: navigation, actions, app.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextPane, k.PrevPane, k.JumpPane, k.Enter, k.Back},
		{k.Filter, k.Search, k.Open, k.Verify, k.Consistency, k.Refresh, k.LogPicker, k.PinSigner, k.Copy, k.Export, k.Timeline, k.Watch, k.Dismiss},
		{k.Learn, k.Help, k.Quit},
	}
}

// keyGroupNames name FullHelp's columns.
var keyGroupNames = [...]string{"Navigation", "Actions", "App"}

// KeysMarkdown renders the key map as a Markdown table (group, keys,
// action), one row per binding in FullHelp's order: docs/keys.md is this
// output for DefaultKeyMap, and a test keeps it so.
func KeysMarkdown(k KeyMap) string {
	var b strings.Builder
	b.WriteString("# Explorer keys\n\n")
	b.WriteString("Generated from `ui.DefaultKeyMap()` by `ui.KeysMarkdown`; `go test ./ui -run TestKeysDoc` fails when it is stale\n")
	b.WriteString("(regenerate with `PROVSCOPE_WRITE_KEYS=1 go test ./ui -run TestKeysDoc`). Press `?` in the explorer for the\n")
	b.WriteString("focused pane's keys first, the status glyphs and what each verdict means.\n\n")
	b.WriteString("| Group | Keys | Action |\n|---|---|---|\n")
	for i, g := range k.FullHelp() {
		for _, bd := range g {
			keys := make([]string, 0, len(bd.Keys()))
			for _, s := range bd.Keys() {
				keys = append(keys, "`"+strings.ReplaceAll(s, "|", `\|`)+"`")
			}
			b.WriteString("| " + keyGroupNames[i] + " | " + strings.Join(keys, ", ") + " | " + strings.ReplaceAll(bd.Help().Desc, "|", `\|`) + " |\n")
		}
	}
	return b.String()
}
