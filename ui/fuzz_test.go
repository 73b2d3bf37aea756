package ui_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/ui"
)

// fuzzKeys are every key of the KeyMap plus keys typed into overlays.
func fuzzKeys() []string {
	k := ui.DefaultKeyMap()
	var out []string
	for _, group := range k.FullHelp() {
		for _, b := range group {
			out = append(out, b.Keys()...)
		}
	}
	return append(out, "a", "1", "2", "*", "s", "backspace", "x", "ctrl+u")
}

// FuzzKeysAndSizes feeds random key sequences and window sizes: the
// explorer must never panic and must always fill the window exactly.
func FuzzKeysAndSizes(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{8, 8, 1, 1, 14, 200, 17, 3, 255, 40})
	f.Add([]byte{20, 255, 0, 0, 21, 9, 9, 9})
	keys := fuzzKeys()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 200 {
			data = data[:200]
		}
		a, _ := newTestApp(t, 80, 24)
		w, h := 80, 24
		for i := 0; i < len(data); i++ {
			b := data[i]
			if b == 255 && i+2 < len(data) { // a resize
				w, h = int(data[i+1]), int(data[i+2])%100
				send(t, a, tea.WindowSizeMsg{Width: w, Height: h})
				i += 2
				continue
			}
			k := keys[int(b)%len(keys)]
			if k == "q" || k == "ctrl+c" {
				continue
			}
			send(t, a, keyMsg(k))
			if w > 0 && h > 0 {
				screen(t, a, w, h)
			}
		}
	})
}
