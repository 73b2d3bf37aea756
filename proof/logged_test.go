package proof

import (
	"strings"
	"testing"
)

// TestDecideLogged: only the tree's answer can make an entry "not logged";
// an index that finds nothing, with no tree answer, cannot tell; an entry
// either answer produced is logged (its inclusion proof decides next), and
// a disagreement is noted.
func TestDecideLogged(t *testing.T) {
	for _, c := range []struct {
		index, tree Lookup
		want        Logged
		note        string
	}{
		{LookupNone, LookupNone, LoggedCannotTell, "cannot tell"},
		{LookupAbsent, LookupNone, LoggedCannotTell, "cannot tell"},
		{LookupFound, LookupNone, LoggedYes, ""},
		{LookupNone, LookupAbsent, LoggedNo, ""},
		{LookupAbsent, LookupAbsent, LoggedNo, ""},
		{LookupFound, LookupAbsent, LoggedYes, "inclusion proof decides"},
		{LookupNone, LookupFound, LoggedYes, ""},
		{LookupAbsent, LookupFound, LoggedYes, "index did not list"},
		{LookupFound, LookupFound, LoggedYes, ""},
	} {
		got, note := DecideLogged(c.index, c.tree)
		if got != c.want || (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("DecideLogged(index %v, tree %v) = %v, %q; want %v, %q", c.index, c.tree, got, note, c.want, c.note)
		}
	}
}
