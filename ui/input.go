package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// lineInput is a one-line text field for the search and log-picker
// overlays: type, paste, backspace, ctrl+u to clear. (bubbles' textinput
// would pull a system-clipboard dependency the SSH mode cannot use.)
type lineInput struct {
	Prompt      string
	Placeholder string
	value       []rune
	focused     bool
}

func (in *lineInput) Reset()            { in.value = nil }
func (in *lineInput) Value() string     { return string(in.value) }
func (in *lineInput) SetValue(s string) { in.value = []rune(s) }
func (in *lineInput) Blur()             { in.focused = false }
func (in *lineInput) Focus() tea.Cmd    { in.focused = true; return nil }

// Update edits the value for a key press or a paste.
func (in *lineInput) Update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.value = append(in.value, []rune(strings.ReplaceAll(msg.Content, "\n", " "))...)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "backspace", "ctrl+h":
			if len(in.value) > 0 {
				in.value = in.value[:len(in.value)-1]
			}
		case "ctrl+u":
			in.value = nil
		case "ctrl+w":
			s := strings.TrimRight(string(in.value), " ")
			if i := strings.LastIndex(s, " "); i >= 0 {
				in.value = []rune(s[:i+1])
			} else {
				in.value = nil
			}
		default:
			if msg.Text != "" && msg.Mod&^tea.ModShift == 0 {
				in.value = append(in.value, []rune(msg.Text)...)
			}
		}
	}
	if len(in.value) > 1024 {
		in.value = in.value[:1024]
	}
}

// View renders prompt, value and a block cursor, fitted to w cells.
func (in *lineInput) View(st Styles, w int) string {
	v := safe(string(in.value)) // typed or pasted: a paste can carry escapes
	body := v
	if v == "" && in.Placeholder != "" {
		body = st.Detail.Note.Render(in.Placeholder)
	}
	cur := ""
	if in.focused {
		cur = "█"
	}
	line := in.Prompt + body
	if v != "" {
		line += cur
	} else {
		line = in.Prompt + cur + body
	}
	return fit(line, w)
}
