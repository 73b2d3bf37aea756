package learn

import "charm.land/bubbles/v2/key"

// KeyMap is the teaching mode's key bindings. Screens relabel the shared
// ones (Left/Right pick a leaf on one screen, an old size on another).
type KeyMap struct {
	NextScreen, PrevScreen   key.Binding
	Grow, Inclusion          key.Binding
	Consistency, Tamper      key.Binding
	Tiles, Lessons           key.Binding
	Left, Right, Up, Down    key.Binding
	Home, End                key.Binding
	Step, StepBack           key.Binding
	Append, AppendMany, Type key.Binding
	Labels                   key.Binding
	SizeDown, SizeUp         key.Binding
	TamperLeaf, Restore      key.Binding
	Next, Prev, Leave        key.Binding
	Confirm, Cancel          key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextScreen:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevScreen:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Grow:        key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "grow")),
		Inclusion:   key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "inclusion")),
		Consistency: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "consistency")),
		Tamper:      key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "tamper")),
		Tiles:       key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "tiles")),
		Lessons:     key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "lessons")),
		Left:        key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "previous leaf")),
		Right:       key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "next leaf")),
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "parent node")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "child node")),
		Home:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		End:         key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),
		Step:        key.NewBinding(key.WithKeys("space", "s"), key.WithHelp("space", "next hash step")),
		StepBack:    key.NewBinding(key.WithKeys("backspace", "S"), key.WithHelp("⌫", "step back")),
		Append:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "append random leaf")),
		AppendMany:  key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "append 16")),
		Type:        key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "type a leaf")),
		Labels:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "addresses/hashes")),
		SizeDown:    key.NewBinding(key.WithKeys("["), key.WithHelp("[", "smaller")),
		SizeUp:      key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "larger")),
		TamperLeaf:  key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tamper leaf")),
		Restore:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restore")),
		Next:        key.NewBinding(key.WithKeys("n", "enter"), key.WithHelp("n/enter", "next")),
		Prev:        key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "back")),
		Leave:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave lesson")),
		Confirm:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "append")),
		Cancel:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
