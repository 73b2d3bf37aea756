package mirror

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/proof/body"
)

func TestDefaultDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	data := filepath.Join(string(filepath.Separator), "data")
	home := filepath.Join(string(filepath.Separator), "home", "u")
	got, err := DefaultDir(env("XDG_DATA_HOME", data, "HOME", home), "https://log2025-1.rekor.sigstore.dev/")
	if err != nil || filepath.Dir(got) != filepath.Join(data, "provscope", "mirrors") || !strings.HasPrefix(filepath.Base(got), "log2025-1.rekor.sigstore.dev-") {
		t.Errorf("DefaultDir(XDG_DATA_HOME) = %q, %v", got, err)
	}
	if again, _ := DefaultDir(env("XDG_DATA_HOME", data), "https://log2025-1.rekor.sigstore.dev"); again != got {
		t.Errorf("a trailing slash changed the directory: %q and %q", got, again)
	}
	// A relative XDG_DATA_HOME is ignored (XDG Base Directory spec).
	if got, err := DefaultDir(env("XDG_DATA_HOME", "rel", "HOME", home), "http://127.0.0.1:3000/api/v2"); err != nil || filepath.Dir(got) != filepath.Join(home, ".local", "share", "provscope", "mirrors") {
		t.Errorf("DefaultDir(HOME) = %q, %v", got, err)
	}
	// URLs that read alike get their own directories; no URL names a
	// directory outside mirrors/.
	seen := map[string]string{}
	for _, u := range []string{"http://a/b_c", "http://a/b/c", "http://a/b?c", "http://../../etc", "http://..", "http://a/" + strings.Repeat("x", 300)} {
		d, err := DefaultDir(env("HOME", home), u)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := seen[d]; ok {
			t.Errorf("DefaultDir(%q) = DefaultDir(%q) = %q", u, o, d)
		}
		seen[d] = u
		if filepath.Dir(d) != filepath.Join(home, ".local", "share", "provscope", "mirrors") || len(filepath.Base(d)) > 100 {
			t.Errorf("DefaultDir(%q) = %q, want one short name under mirrors/", u, d)
		}
	}
	if _, err := DefaultDir(env("HOME", home), "/"); err == nil {
		t.Error("DefaultDir of no URL: no error")
	}
}

// TestUndecodableEntriesVerifiedNotIndexed: a log whose entries are not
// Rekor bodies (as a Tessera log's) mirrors without a lie: every entry
// verified and kept, the undecodable ones counted as not indexed, the
// decodable one found.
func TestUndecodableEntriesVerifiedNotIndexed(t *testing.T) {
	rekor := newSynthLog(t, 1).entries[0]
	var entries [][]byte
	for i := range 300 {
		entries = append(entries, fmt.Appendf(nil, "arbitrary entry %d", i))
	}
	entries[270] = rekor
	l := newSynthLogOf(t, entries)
	dir := t.TempDir()
	res, err := Sync(context.Background(), Config{Dir: dir, Fetch: l.fetch, Keys: l.keys, Index: true, ChunkBundles: 1})
	if err != nil || res.To != 300 || res.NotIndexed != 299 {
		t.Fatalf("Sync = %+v, %v; want 300 entries, 299 not indexed", res, err)
	}
	b, err := body.Decode(rekor)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := Search(context.Background(), dir, l.keys, Query{Digest: b.ArtifactDigest.Hex})
	if err != nil || len(sr.Hits) != 1 || sr.Hits[0].Index != 270 {
		t.Fatalf("Search(the Rekor entry's digest) = %+v, %v; want entry 270", sr, err)
	}
	// An audit decodes nothing and counts nothing.
	res, err = Sync(context.Background(), Config{Dir: t.TempDir(), Fetch: l.fetch, Keys: l.keys})
	if err != nil || res.To != 300 || res.NotIndexed != 0 {
		t.Fatalf("audit Sync = %+v, %v; want 300 entries, 0 not indexed", res, err)
	}
}
