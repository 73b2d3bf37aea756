package backend_test

import (
	"context"
	"testing"

	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/ui/backend"
)

// TestSearchIdentityPrefix searches identities by prefix on provscope's
// log, and on a log without the identity extension (answering 404 there,
// as Rekor does) falls back to the exact match and says so.
func TestSearchIdentityPrefix(t *testing.T) {
	l := startLog(t)
	for _, id := range []string{"dev@example.com", "dev.ops@example.com", "ci@example.org", ""} {
		l.sign(id)
	}
	rekorLike := l.without("/api/v1/index/identities")
	tests := []struct {
		name, url, q string
		want         int
		note         string
	}{
		{"prefix", l.srv.URL, "dev", 2, `2 identities start with "dev"`},
		{"prefix, any case", l.srv.URL, "DEV.", 1, `1 identity starts with "DEV.": dev.ops@example.com`},
		{"whole email", l.srv.URL, "ci@example.org", 1, `1 identity starts with "ci@example.org": ci@example.org`},
		{"no match", l.srv.URL, "nobody", 0, `no identity starts with "nobody"`},
		{"rekor: prefix falls back to exact", rekorLike, "dev", 0, backend.NoteExactOnly},
		{"rekor: exact email", rekorLike, "dev@example.com", 1, backend.NoteExactOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := l.open(tt.url, nil).Search(context.Background(), tt.q)
			if err != nil || len(r.UUIDs) != tt.want || r.Note != tt.note {
				t.Errorf("Search(%q) = %d entries, note %q, %v; want %d, %q", tt.q, len(r.UUIDs), r.Note, err, tt.want, tt.note)
			}
			for _, u := range r.UUIDs {
				if !client.ValidUUID(u) || len(u) != 80 {
					t.Errorf("Search(%q) returned entry ID %q, want 80 hex", tt.q, u)
				}
			}
		})
	}
}
