package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/provscope/provscope/rekor/tiles"
)

// FuzzParseTilePath checks that parseTilePath accepts only canonical
// paths (parse → format gives the same string, so a tile answers at one
// URL), agrees with rekor/tiles' formatter, and agrees with sumdb's
// tlog.ParseTilePath where the formats coincide (tiles of height 8, entry
// bundles as tlog's data tiles).
func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{
		"0/000", "1/x001/234", "entries/x123/456.p/7", "0/001.p/255", "0/001.p/0", "x/000", "0/1", "0/x1/000", "",
		// Non-canonical spellings of real tiles (issue 20).
		"0/+12", "+1/000", "0/x000/001", "0/001.p/+5", "01/000", "0/001.p/05", "entries/+01", "-0/000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		level, n, w, err := parseTilePath(p)
		tl, terr := tlogPath(p)
		if err != nil {
			if terr == nil && tl.N >= 0 && uint64(tl.N) < (1<<63)/1000 && tl.L <= 63 {
				t.Errorf("parseTilePath(%q) = %v, but tlog.ParseTilePath accepts it as %+v", p, err, tl)
			}
			return
		}
		if level < -1 || level > 63 || w < 0 || w >= tileWidth {
			t.Errorf("parseTilePath(%q) = (%d, %d, %d), out of range", p, level, n, w)
		}
		if got := tilePath(level, n, w); got != p {
			t.Errorf("tilePath(parseTilePath(%q)) = %q, want the same path", p, got)
		}
		width := uint64(w) //nolint:gosec // 0..255
		if w == 0 {
			width = tileWidth
		}
		want := "tile/" + p
		var got string
		if level < 0 {
			got = tiles.EntriesPath(n, width)
		} else {
			got = tiles.TilePath(uint64(level), n, width)
		}
		if got != want {
			t.Errorf("rekor/tiles formats parseTilePath(%q) = (%d, %d, %d) as %q, want %q", p, level, n, w, got, want)
		}
		if terr != nil {
			t.Fatalf("parseTilePath(%q) accepts what tlog.ParseTilePath refuses: %v", p, terr)
		}
		if tl.L != level || uint64(tl.N) != n || uint64(tl.W) != width { //nolint:gosec // N >= 0
			t.Errorf("parseTilePath(%q) = (%d, %d, %d), tlog.ParseTilePath = %+v", p, level, n, w, tl)
		}
	})
}

// tlogPath parses p with sumdb's tlog.ParseTilePath at height 8 (entry
// bundles as tlog's data tiles).
func tlogPath(p string) (tlog.Tile, error) {
	if rest, ok := strings.CutPrefix(p, "entries/"); ok {
		return tlog.ParseTilePath("tile/8/data/" + rest)
	}
	if strings.HasPrefix(p, "data/") {
		return tlog.Tile{}, errors.New("not a path of this log")
	}
	return tlog.ParseTilePath("tile/8/" + p)
}

func FuzzBodyCodec(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}`))
	f.Add([]byte{bodyDeflate, 0xff, 0x00})
	f.Add([]byte{})
	var c bodyCodec
	f.Fuzz(func(t *testing.T, b []byte) {
		// Decoding arbitrary stored bytes must not panic.
		_, _ = c.decode(b)
		if len(b) > 0 && (b[0] == bodyDeflate || b[0] == bodyHashedRekord) {
			return // not a body this log would store raw
		}
		enc, err := c.encode(b)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.decode(enc)
		if err != nil || !bytes.Equal(dec, b) {
			t.Errorf("decode(encode(%q)) = %q, %v", b, dec, err)
		}
	})
}

// FuzzCreateEntry posts arbitrary bodies: the log never panics, never
// answers 5xx, and stores nothing unless it answers 201.
func FuzzCreateEntry(f *testing.F) {
	f.Add([]byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{}}`))
	f.Add([]byte(`{"kind":"dsse","apiVersion":"0.0.1","spec":{"proposedContent":{"envelope":"{}","verifiers":["AA=="]}}}`))
	f.Add([]byte(`{"kind":"intoto","apiVersion":"0.0.2","spec":{"content":{"envelope":{}}}}`))
	f.Add([]byte(`[1,2`))
	l, err := Open(context.Background(), Config{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	h := l.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := l.Size()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/log/entries", bytes.NewReader(body)))
		if rec.Code >= 500 {
			t.Errorf("POST %q = %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusCreated && l.Size() != before {
			t.Errorf("POST %q = %d but the log grew from %d to %d", body, rec.Code, before, l.Size())
		}
	})
}
