package ui_test

import (
	"testing"

	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// TestMaxRowsBoundsTheEntryCache scrolls through 5,000 entries with
// Common.MaxRows set (as SSH sessions set it from their Limits): the
// entries pane never holds more than MaxRows plus one page, and the row
// under the cursor is always there.
func TestMaxRowsBoundsTheEntryCache(t *testing.T) {
	for _, tt := range []struct{ maxRows, limit int }{
		{300, 300},
		{10, 200}, // below the floor: a screenful and its neighbours still fit
		{0, 4096},
	} {
		be := &bigLog{Backend: fakebackend.New(), n: 5000}
		a := startWith(t, be, 120, 40, func(c *ui.Common) { c.MaxRows = tt.maxRows })
		press(t, a, ui.DefaultKeyMap().Search)
		typeText(t, a, "*")
		send(t, a, keyMsg("enter"))
		k := ui.DefaultKeyMap()
		most := 0
		for i := range 150 {
			switch {
			case i == 60:
				press(t, a, k.Bottom)
			case i == 61:
				press(t, a, k.Top)
			case i%7 == 0:
				press(t, a, k.Up)
			default:
				press(t, a, k.PageDown)
			}
			most = max(most, a.CachedEntries())
			if a.CurrentEntryUUID() == "" {
				t.Fatalf("MaxRows %d: the entry under the cursor (%d) is not loaded", tt.maxRows, a.EntryCursor())
			}
		}
		if most > tt.limit+50 {
			t.Errorf("MaxRows %d: held up to %d entries, want at most %d", tt.maxRows, most, tt.limit+50)
		}
		if tt.maxRows > 0 && most < tt.limit/2 {
			t.Errorf("MaxRows %d: held at most %d entries: the scroll did not exercise the bound", tt.maxRows, most)
		}
	}
}
