package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// identityLog is the fake world with an identity search the way
// ui/backend does it: every entry of the identities starting with the
// query on a log with the prefix extension, or the exact match with a note
// on one without.
type identityLog struct {
	*fakebackend.Backend
	prefix bool
	asked  []string
}

func (l *identityLog) Search(ctx context.Context, q string) (ui.SearchResult, error) {
	l.asked = append(l.asked, q)
	all, err := l.Backend.Search(ctx, "*")
	if err != nil || len(all.UUIDs) < 6 {
		return all, err
	}
	if !l.prefix {
		return ui.SearchResult{UUIDs: all.UUIDs[:1], Note: "prefix match needs a provscope log; searched exact"}, nil
	}
	return ui.SearchResult{UUIDs: all.UUIDs[:6], Note: `2 identities start with "` + q + `"`}, nil
}

func TestSearchIdentityNoteInStatusLine(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prefix bool
		rows   int
		note   string
	}{
		{"provscope log: prefix", true, 6, `2 identities start with "dev@"`},
		{"rekor log: exact", false, 1, "prefix match needs a provscope log; searched exact"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &identityLog{Backend: fakebackend.New(), prefix: tt.prefix}
			a := startWith(t, l, 80, 24, nil)
			press(t, a, ui.DefaultKeyMap().Search)
			typeText(t, a, "dev@")
			send(t, a, keyMsg("enter"))
			if len(l.asked) != 1 || l.asked[0] != "dev@" {
				t.Fatalf("searches asked %q, want [dev@]", l.asked)
			}
			if a.EntryCount() != tt.rows || a.Focus() != ui.PaneEntries {
				t.Errorf("entries = %d, focus %v; want %d in Entries", a.EntryCount(), a.Focus(), tt.rows)
			}
			if a.Status() != tt.note {
				t.Errorf("status = %q, want %q", a.Status(), tt.note)
			}
			if s := screen(t, a, 80, 24); !strings.Contains(s, tt.note) {
				t.Errorf("the note is not on screen:\n%s", s)
			}
		})
	}
}
