package logs

import "testing"

// TestTilesPrefix: a URL ending in /api/v2 names a Rekor v2 log by its base
// (tiles under base/api/v2); tiles+URL names a tlog-tiles log served at
// exactly URL, as a log written by Tessera is; a configured tiles log
// without a prefix is read under /api/v2.
func TestTilesPrefix(t *testing.T) {
	for _, c := range []struct {
		in, url, prefix string
	}{
		{"https://log2025-1.rekor.sigstore.dev/api/v2", "https://log2025-1.rekor.sigstore.dev", "https://log2025-1.rekor.sigstore.dev/api/v2"},
		{"http://127.0.0.1:3000/api/v2/", "http://127.0.0.1:3000", "http://127.0.0.1:3000/api/v2"},
		{"tiles+http://127.0.0.1:2025", "http://127.0.0.1:2025", "http://127.0.0.1:2025"},
		{"tiles+https://example.com/logs/a/", "https://example.com/logs/a", "https://example.com/logs/a"},
		{"tiles+https://example.com/api/v2", "https://example.com", "https://example.com/api/v2"},
	} {
		l, err := Lookup(c.in, nil)
		if err != nil {
			t.Errorf("Lookup(%q) = %v", c.in, err)
			continue
		}
		if l.Kind != KindTiles || l.URL != c.url || l.TilesPrefix() != c.prefix {
			t.Errorf("Lookup(%q) = kind %q, url %q, prefix %q; want tiles, %q, %q", c.in, l.Kind, l.URL, l.TilesPrefix(), c.url, c.prefix)
		}
	}
	if got := (Log{URL: "https://log.corp.example/", Kind: KindTiles}).TilesPrefix(); got != "https://log.corp.example/api/v2" {
		t.Errorf("TilesPrefix of a configured log = %q", got)
	}
	if got := (Log{URL: "https://log.corp.example", Kind: KindTiles, Prefix: "https://cdn.corp.example/log/"}).TilesPrefix(); got != "https://cdn.corp.example/log" {
		t.Errorf("TilesPrefix with a configured prefix = %q", got)
	}
}
