package server

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The tlog-tiles read API (https://c2sp.org/tlog-tiles) under /api/v2/:
//
//	GET /api/v2/checkpoint            the latest signed checkpoint (the same
//	                                  note as Rekor v1's signedTreeHead)
//	GET /api/v2/tile/<L>/<N>[.p/<W>]  hash tiles
//	GET /api/v2/tile/entries/<N>[.p/<W>] entry bundles
//
// An entry bundle holds, for each entry, its canonical body (the exact leaf
// data whose RFC 6962 leaf hash is in the level-0 tile) prefixed with its
// length as a big-endian uint16, as C2SP specifies. A body longer than 65535
// bytes cannot be framed that way: a bundle containing one is answered with
// 500 and the entry must be read through the v1 API.

func (l *Log) getCheckpoint(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(l.state.Load().checkpoint)
}

// parseTilePath parses "<L>/<N>[.p/<W>]" or "entries/<N>[.p/<W>]" (level -1
// for entries). w is 0 for a full tile. Only the canonical path of a tile
// is accepted (the one tilePath formats, as C2SP and sumdb's
// tlog.ParseTilePath require), so that each tile answers at exactly one
// URL: "0/+12", "01/000", "0/x000/001" or "0/001.p/+5" are refused.
func parseTilePath(p string) (level int, n uint64, width int, err error) {
	if level, n, width, err = parseTilePathLoose(p); err != nil {
		return 0, 0, 0, err
	}
	if c := tilePath(level, n, width); c != p {
		return 0, 0, 0, fmt.Errorf("tile path %q is not canonical (want %q)", p, c)
	}
	return level, n, width, nil
}

// tilePath formats the canonical path of a tile (level -1 for an entry
// bundle; width 0 for a full tile), as parseTilePath accepts it.
func tilePath(level int, n uint64, width int) string {
	var b strings.Builder
	if level < 0 {
		b.WriteString("entries/")
	} else {
		b.WriteString(strconv.Itoa(level) + "/")
	}
	groups := []uint64{n % 1000}
	for n >= 1000 {
		n /= 1000
		groups = append(groups, n%1000)
	}
	for i := len(groups) - 1; i >= 0; i-- {
		if i > 0 {
			fmt.Fprintf(&b, "x%03d/", groups[i])
		} else {
			fmt.Fprintf(&b, "%03d", groups[i])
		}
	}
	if width > 0 {
		fmt.Fprintf(&b, ".p/%d", width)
	}
	return b.String()
}

// parseTilePathLoose parses a tile path without checking that it is
// canonical.
func parseTilePathLoose(p string) (level int, n uint64, width int, err error) {
	elems := strings.Split(p, "/")
	if len(elems) < 2 {
		return 0, 0, 0, fmt.Errorf("tile path %q too short", p)
	}
	if elems[0] == "entries" {
		level = -1
	} else {
		if level, err = strconv.Atoi(elems[0]); err != nil || level < 0 || level > 63 || len(elems[0]) > 2 {
			return 0, 0, 0, fmt.Errorf("bad tile level %q", elems[0])
		}
	}
	elems = elems[1:]
	if k := len(elems); k >= 2 && strings.HasSuffix(elems[k-2], ".p") {
		if width, err = strconv.Atoi(elems[k-1]); err != nil || width < 1 || width > tileWidth-1 || strings.HasPrefix(elems[k-1], "0") {
			return 0, 0, 0, fmt.Errorf("bad partial tile width %q", elems[k-1])
		}
		elems = elems[:k-1]
		elems[k-2] = strings.TrimSuffix(elems[k-2], ".p")
	}
	for i, e := range elems {
		last := i == len(elems)-1
		if !last {
			if !strings.HasPrefix(e, "x") {
				return 0, 0, 0, fmt.Errorf("bad tile index element %q", e)
			}
			e = e[1:]
		}
		if len(e) != 3 {
			return 0, 0, 0, fmt.Errorf("bad tile index element %q", e)
		}
		d, err := strconv.Atoi(e)
		if err != nil || d < 0 {
			return 0, 0, 0, fmt.Errorf("bad tile index element %q", e)
		}
		if n > (1<<63)/1000 {
			return 0, 0, 0, fmt.Errorf("tile index too large")
		}
		n = n*1000 + uint64(d)
	}
	return level, n, width, nil
}

func (l *Log) getTile(w http.ResponseWriter, r *http.Request) {
	level, n, width, err := parseTilePath(strings.TrimPrefix(r.URL.Path, "/api/v2/tile/"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s := l.state.Load()
	hashLevel := max(level, 0)
	// Number of hashes (or entries) at that level in this tree.
	count := s.size
	if hashLevel > 0 {
		count = s.size >> (tileHeight * hashLevel)
	}
	if hashLevel*tileHeight >= 64 {
		count = 0
	}
	avail := uint64(0)
	if count > n*tileWidth {
		avail = min(count-n*tileWidth, tileWidth)
	}
	want := uint64(width) //nolint:gosec // parseTilePath bounds width to 1..255
	if width == 0 {
		want = tileWidth
	}
	if avail < want {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	if width == 0 {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	if level >= 0 {
		t, err := l.readTile(ctx, s, uint64(level), n)
		if err != nil || uint64(len(t)) < want*hashSize {
			l.log.Error("reading tile", "level", level, "n", n, "err", err)
			writeError(w, http.StatusInternalServerError, "reading tile")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(t[:want*hashSize]) //nolint:gosec // binary hash tile sent as application/octet-stream, not HTML
		return
	}
	var out []byte
	var tooBig error
	err = l.db.eachBody(ctx, n*tileWidth, n*tileWidth+want, func(stored []byte) error {
		body, err := l.codec.decode(stored)
		if err != nil {
			return err
		}
		if len(body) > 0xffff {
			tooBig = fmt.Errorf("entry body of %d bytes exceeds the 65535 bytes an entry bundle can frame", len(body))
			return tooBig
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(body))) //nolint:gosec // checked above
		out = append(out, body...)
		return nil
	})
	if tooBig != nil {
		writeError(w, http.StatusInternalServerError, tooBig.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading entries")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(out)
}
