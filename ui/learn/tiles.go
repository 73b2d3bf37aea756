package learn

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	merkleproof "github.com/transparency-dev/merkle/proof"
)

// C2SP tlog-tiles geometry (https://c2sp.org/tlog-tiles): tiles are 256
// hashes wide and each level of tiles spans 8 levels of the Merkle tree.
const (
	tileWidth  = 256
	tileHeight = 8
)

// tileIndexPath encodes a tile index as zero-padded 3-digit path elements,
// all but the last prefixed with "x": 1234067 → "x001/x234/067".
func tileIndexPath(n uint64) string {
	parts := []string{fmt.Sprintf("%03d", n%1000)}
	for n >= 1000 {
		n /= 1000
		parts = append([]string{fmt.Sprintf("x%03d", n%1000)}, parts...)
	}
	return strings.Join(parts, "/")
}

// tilePath is a tile's URL path: tile/<L>/<N>[.p/<W>] (width 0 or 256 = full).
func tilePath(level uint, n uint64, width uint64) string {
	p := fmt.Sprintf("tile/%d/%s", level, tileIndexPath(n))
	if width > 0 && width < tileWidth {
		p += fmt.Sprintf(".p/%d", width)
	}
	return p
}

// entriesPath is an entry bundle's path: tile/entries/<N>[.p/<W>].
func entriesPath(n uint64, width uint64) string {
	p := "tile/entries/" + tileIndexPath(n)
	if width > 0 && width < tileWidth {
		p += fmt.Sprintf(".p/%d", width)
	}
	return p
}

// tileLevel summarises one tile level of a tree of size leaves.
type tileLevel struct {
	level   uint
	hashes  uint64 // hashes at this level: size / 256^level
	full    uint64 // full tiles
	partial uint64 // width of the partial tile, 0 if none
}

// tileLevels lists the tile levels a tree of size leaves is served as.
func tileLevels(size uint64) []tileLevel {
	var out []tileLevel
	for l := uint(0); l < 8; l++ {
		hashes := size >> (tileHeight * l)
		if hashes == 0 {
			break
		}
		out = append(out, tileLevel{level: l, hashes: hashes, full: hashes / tileWidth, partial: hashes % tileWidth})
	}
	return out
}

// leafTile is where leaf i's covering hash lives at one tile level.
type leafTile struct {
	level    uint
	node     uint64 // index of the hash at this level = Merkle node (8·level, node)
	tile     uint64
	pos      uint64
	exists   bool // the subtree of 256^level leaves is complete
	width    uint64
	tileFull bool
}

// leafTiles returns, per tile level, the tile holding the hash that covers
// leaf i in a tree of size leaves. Requires i < size.
func leafTiles(i, size uint64) []leafTile {
	var out []leafTile
	for _, tl := range tileLevels(size) {
		node := i >> (tileHeight * tl.level)
		lt := leafTile{level: tl.level, node: node, tile: node / tileWidth, pos: node % tileWidth}
		lt.exists = node < tl.hashes
		lt.tileFull = lt.tile < tl.full
		lt.width = tileWidth
		if !lt.tileFull {
			lt.width = tl.partial
		}
		out = append(out, lt)
	}
	return out
}

func (m *Model) tilesKey(msg tea.KeyPressMsg) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Left) && m.tileLeaf > 0:
		m.tileLeaf--
	case key.Matches(msg, k.Right):
		m.tileLeaf++
	case key.Matches(msg, k.Up):
		m.tileLeaf += tileWidth
	case key.Matches(msg, k.Down):
		m.tileLeaf -= min(m.tileLeaf, tileWidth)
	case key.Matches(msg, k.SizeDown) && m.tileSize > 1:
		m.tileSize--
	case key.Matches(msg, k.SizeUp):
		m.tileSize++
	case key.Matches(msg, k.Home):
		m.tileSize, m.tileLeaf = 70000, 69999
	case key.Matches(msg, k.End):
		if n := m.log.Size(); n > 0 {
			m.tileSize, m.tileLeaf = n, n-1
		}
	}
	m.tileSize = min(m.tileSize, 1<<40)
	m.tileLeaf = min(m.tileLeaf, m.tileSize-1)
}

func (m *Model) tilesView(w, _ int) []string {
	st := m.st
	size, leaf := m.tileSize, m.tileLeaf
	out := []string{st.Heading.Render("Tiles: how C2SP tlog-tiles serves the tree as 256-hash files")}
	out = append(out, wrap(fmt.Sprintf("Tree size %s. A level-L tile holds 256 hashes of subtrees of 256^L leaves (Merkle level 8·L); a partial tile at the right edge holds W < 256 and is named .p/W.", commas(size)), w)...)
	for _, tl := range tileLevels(size) {
		var parts []string
		switch tl.full {
		case 0:
		case 1:
			parts = append(parts, tilePath(tl.level, 0, 0)+" (1 full)")
		default:
			parts = append(parts, fmt.Sprintf("%s … %s (%s full)", tilePath(tl.level, 0, 0), tilePath(tl.level, tl.full-1, 0), commas(tl.full)))
		}
		if tl.partial > 0 {
			parts = append(parts, tilePath(tl.level, tl.full, tl.partial)+" (partial)")
		}
		out = append(out, truncate(fmt.Sprintf("  level %d  %s", tl.level, strings.Join(parts, " + ")), w))
	}
	out = append(out, st.Heading.Render(fmt.Sprintf("Leaf %s lives in:", commas(leaf))))
	for _, lt := range leafTiles(leaf, size) {
		path := tilePath(lt.level, lt.tile, lt.width)
		var what string
		switch {
		case lt.level == 0:
			what = fmt.Sprintf("position %d of %d: its leaf hash, node (0,%d)", lt.pos, lt.width, lt.node)
		case lt.exists:
			what = fmt.Sprintf("position %d of %d: node (%d,%d) = leaves %s..%s", lt.pos, lt.width, tileHeight*lt.level, lt.node,
				commas(lt.node<<(tileHeight*lt.level)), commas((lt.node+1)<<(tileHeight*lt.level)-1))
		default:
			what = fmt.Sprintf("none yet: node (%d,%d) = leaves %s..%s, not all there",
				tileHeight*lt.level, lt.node, commas(lt.node<<(tileHeight*lt.level)), commas((lt.node+1)<<(tileHeight*lt.level)-1))
			path = "—"
		}
		out = append(out, truncate(fmt.Sprintf("  L%d %-22s %s", lt.level, path, what), w))
		if lt.level == 0 {
			out = append(out, "     "+m.tileBar(lt, min(w-22, 64)))
		}
	}
	lt0 := leafTiles(leaf, size)[0]
	out = append(out, truncate(fmt.Sprintf("  entry bytes: %s, entry %d of the bundle", entriesPath(lt0.tile, lt0.width), lt0.pos), w))
	if paths, err := proofTiles(leaf, size); err == nil && len(paths) == 0 {
		out = append(out, "A one-leaf tree's root is that leaf's hash: its proof is empty and needs no tiles.")
	} else if err == nil {
		out = append(out, wrap(fmt.Sprintf("Proving leaf %s's inclusion needs %s: %s.",
			commas(leaf), plural(len(paths), "tile", "tiles"), strings.Join(paths, ", ")), w)...)
	}
	return out
}

// proofTiles lists the tiles holding the hashes of leaf i's inclusion proof
// in a tree of size leaves: the tile of every perfect node in
// transparency-dev/merkle's node list for the proof (an ephemeral proof
// node is rebuilt from perfect ones in that list). A node at Merkle level
// 8·t+r is rebuilt from 2^r consecutive hashes of one level-t tile.
func proofTiles(i, size uint64) ([]string, error) {
	nodes, err := merkleproof.Inclusion(i, size)
	if err != nil {
		return nil, fmt.Errorf("listing proof tiles: %w", err)
	}
	levels := tileLevels(size)
	seen := map[string]bool{}
	var out []string
	for _, id := range nodes.IDs {
		t := id.Level / tileHeight
		r := id.Level % tileHeight
		n := (id.Index << r) / tileWidth
		width := uint64(tileWidth)
		if int(t) < len(levels) && n >= levels[t].full {
			width = levels[t].partial
		}
		p := tilePath(t, n, width)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// tileBar draws a level-0 tile as a bar: filled cells for hashes present,
// light cells for the rest, ▼ at the leaf.
func (m *Model) tileBar(lt leafTile, cells int) string {
	cells = max(cells, 8)
	per := (tileWidth + uint64(cells) - 1) / uint64(cells)
	var b strings.Builder
	for c := range uint64(cells) {
		from := c * per
		if from >= tileWidth {
			break
		}
		switch {
		case lt.pos >= from && lt.pos < from+per:
			b.WriteString(m.st.Node.Current.Render("▼"))
		case from < lt.width:
			b.WriteString(m.st.Pass.Render("█"))
		default:
			b.WriteString(m.st.Muted.Render("░"))
		}
	}
	return b.String() + m.st.Muted.Render(fmt.Sprintf(" %d/256 hashes", lt.width))
}

// commas formats n with thousands separators.
func commas(n uint64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
