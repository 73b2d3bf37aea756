package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The Merkle tree is stored as C2SP tlog-tiles hash tiles
// (https://c2sp.org/tlog-tiles): a tile at level L, index N holds up to 256
// consecutive node hashes of tree level 8L, starting at node 256N. Level-0
// tiles hold the leaf hashes. Every node of the tree is either in a tile or
// the root of at most 255 consecutive hashes of one tile, so proofs read at
// most one tile per proof node and never touch the leaves.
const (
	tileHeight = 8
	tileWidth  = 1 << tileHeight
	hashSize   = 32
)

var hasher = rfc6962.DefaultHasher

// rangeFactory builds compact ranges with RFC 6962 hashing.
var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// edgeTile is the right-most tile of one level: its index and its hashes
// (len is a multiple of 32, at most 256 hashes).
type edgeTile struct {
	n      uint64
	hashes []byte
}

// snapshot is one published, committed state of the log. It is never
// modified after publication.
type snapshot struct {
	size       uint64
	root       []byte
	checkpoint []byte     // signed note for (size, root)
	edge       []edgeTile // right-most tile per level, copies
	edgeTrees  []tileTree // the edge tiles' internal nodes
}

// newSnapshot publishes a state, precomputing the edge tiles' internal
// nodes so proofs near the right edge cost no hashing. Nodes of prev (the
// state published before, or nil) whose tile only grew are reused, so a
// commit hashes only the nodes its entries completed.
func newSnapshot(prev *snapshot, size uint64, root, checkpoint []byte, edge []edgeTile) *snapshot {
	s := &snapshot{size: size, root: root, checkpoint: checkpoint, edge: edge}
	for level, t := range edge {
		var old tileTree
		if prev != nil && level < len(prev.edge) && prev.edge[level].n == t.n && bytes.HasPrefix(t.hashes, prev.edge[level].hashes) {
			old = prev.edgeTrees[level]
		}
		s.edgeTrees = append(s.edgeTrees, extendTileTree(old, t.hashes))
	}
	return s
}

// tileTree holds the nodes inside one tile: levels[k] are the hashes of the
// complete subtrees of 2^k tile entries, left to right.
type tileTree [][]byte

func buildTileTree(h []byte) tileTree { return extendTileTree(nil, h) }

// extendTileTree builds the tile tree of hashes h, copying the nodes of
// prev, the tree of a prefix of h, instead of hashing them again.
func extendTileTree(prev tileTree, h []byte) tileTree {
	levels := tileTree{h}
	for k, cur := 1, h; len(cur) >= 2*hashSize; k++ {
		nodes := len(cur) / (2 * hashSize)
		next := make([]byte, 0, nodes*hashSize)
		done := 0
		if k < len(prev) {
			done = min(len(prev[k])/hashSize, nodes)
			next = append(next, prev[k][:done*hashSize]...)
		}
		for i := done; i < nodes; i++ {
			next = append(next, hasher.HashChildren(cur[2*i*hashSize:(2*i+1)*hashSize], cur[(2*i+1)*hashSize:(2*i+2)*hashSize])...)
		}
		levels = append(levels, next)
		cur = next
	}
	return levels
}

// tileWriter is the sequencer's view of the tree: the compact range of all
// leaves and the right-edge tiles, plus the tiles touched since the last
// flush.
type tileWriter struct {
	rng  *compact.Range
	edge []edgeTile
	full []tileBlob // tiles completed since the last flush
	err  error
}

type tileBlob struct {
	level, n uint64
	hashes   []byte
}

func newTileWriter() *tileWriter {
	return &tileWriter{rng: rangeFactory.NewEmptyRange(0)}
}

// visit records a node computed by the compact range when it lies on a
// tile level.
func (w *tileWriter) visit(id compact.NodeID, hash []byte) {
	if id.Level%tileHeight != 0 || w.err != nil {
		return
	}
	level := uint64(id.Level / tileHeight)
	n, pos := id.Index/tileWidth, id.Index%tileWidth
	for uint64(len(w.edge)) <= level {
		w.edge = append(w.edge, edgeTile{})
	}
	t := &w.edge[level]
	if pos == 0 {
		*t = edgeTile{n: n, hashes: make([]byte, 0, hashSize*4)}
	}
	if t.n != n || uint64(len(t.hashes)) != pos*hashSize {
		w.err = fmt.Errorf("tile writer out of step at level %d node %d: edge tile %d has %d hashes", id.Level, id.Index, t.n, len(t.hashes)/hashSize)
		return
	}
	t.hashes = append(t.hashes, hash...)
	if pos == tileWidth-1 {
		w.full = append(w.full, tileBlob{level: level, n: n, hashes: t.hashes})
	}
}

func (w *tileWriter) append(leaf []byte) error {
	if err := w.rng.Append(leaf, w.visit); err != nil {
		return fmt.Errorf("appending leaf %d: %w", w.rng.End(), err)
	}
	return w.err
}

// pendingTiles lists the tiles completed since the last flush. Only full
// tiles are stored: the partial right-edge tile of each level lives in
// memory (in every snapshot) and is rebuilt from the entries on start, so a
// commit never rewrites a partial tile.
func (w *tileWriter) pendingTiles() []tileBlob {
	return w.full
}

func (w *tileWriter) flushed() {
	w.full = nil
}

// clone copies the writer so a failed transaction can be rolled back.
func (w *tileWriter) clone() *tileWriter {
	rng, err := rangeFactory.NewRange(w.rng.Begin(), w.rng.End(), append([][]byte(nil), w.rng.Hashes()...))
	if err != nil {
		panic(fmt.Sprintf("cloning a valid compact range: %v", err)) // broken invariant
	}
	c := &tileWriter{rng: rng, edge: w.copyEdge()}
	return c
}

func (w *tileWriter) copyEdge() []edgeTile {
	edge := make([]edgeTile, len(w.edge))
	for i, t := range w.edge {
		edge[i] = edgeTile{n: t.n, hashes: append([]byte(nil), t.hashes...)}
	}
	return edge
}

func (w *tileWriter) root() ([]byte, error) {
	if w.rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	return w.rng.GetRootHash(nil)
}

// tileCache keeps full tiles (immutable once full) read from storage.
type tileCache struct {
	mu    sync.Mutex
	max   int
	tiles map[[2]uint64]tileTree
}

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, tiles: make(map[[2]uint64]tileTree)}
}

func (c *tileCache) get(level, n uint64) tileTree {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tiles[[2]uint64{level, n}]
}

func (c *tileCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.tiles)
}

func (c *tileCache) put(level, n uint64, b tileTree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tiles) >= c.max {
		for k := range c.tiles { // evict an arbitrary tile
			delete(c.tiles, k)
			break
		}
	}
	c.tiles[[2]uint64{level, n}] = b
}

// errNodeMissing means storage lacks a node the snapshot says exists.
var errNodeMissing = errors.New("tree node missing from storage")

// readTile returns the hashes of tile (level, n) as of snapshot s. Unlike
// readTree it does not hash a tile it reads from storage into its tree.
func (l *Log) readTile(ctx context.Context, s *snapshot, level, n uint64) ([]byte, error) {
	if level < uint64(len(s.edge)) && s.edge[level].n == n {
		return s.edgeTrees[level][0], nil
	}
	if t := l.tiles.get(level, n); t != nil {
		return t[0], nil
	}
	b, ok, err := l.db.tile(ctx, level, n)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: tile %d/%d", errNodeMissing, level, n)
	}
	return b, nil
}

// readTree returns tile (level, n) as of snapshot s with its internal nodes.
func (l *Log) readTree(ctx context.Context, s *snapshot, level, n uint64) (tileTree, error) {
	if level < uint64(len(s.edge)) && s.edge[level].n == n {
		return s.edgeTrees[level], nil
	}
	if t := l.tiles.get(level, n); t != nil {
		return t, nil
	}
	b, ok, err := l.db.tile(ctx, level, n)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: tile %d/%d", errNodeMissing, level, n)
	}
	t := buildTileTree(b)
	if len(b) == tileWidth*hashSize {
		l.tiles.put(level, n, t)
	}
	return t, nil
}

// node returns the hash of the perfect subtree id, which must lie inside
// snapshot s.
func (l *Log) node(ctx context.Context, s *snapshot, id compact.NodeID, memo map[[2]uint64]tileTree) ([]byte, error) {
	tl := uint64(id.Level / tileHeight)
	sub := id.Level % tileHeight
	first := id.Index << sub
	n, off := first/tileWidth, first%tileWidth
	t, ok := memo[[2]uint64{tl, n}]
	if !ok {
		var err error
		if t, err = l.readTree(ctx, s, tl, n); err != nil {
			return nil, err
		}
		memo[[2]uint64{tl, n}] = t
	}
	k := off >> sub
	if int(sub) >= len(t) || uint64(len(t[sub])) < (k+1)*hashSize {
		return nil, fmt.Errorf("%w: node %d/%d not in tile %d/%d of %d hashes", errNodeMissing, id.Level, id.Index, tl, n, len(t[0])/hashSize)
	}
	return t[sub][k*hashSize : (k+1)*hashSize], nil
}

// fetchProof reads the nodes of p and rehashes them into a proof.
func (l *Log) fetchProof(ctx context.Context, s *snapshot, p proof.Nodes) ([][]byte, error) {
	memo := map[[2]uint64]tileTree{}
	hs := make([][]byte, len(p.IDs))
	for i, id := range p.IDs {
		h, err := l.node(ctx, s, id, memo)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return p.Rehash(hs, hasher.HashChildren)
}

// inclusionProof returns the inclusion proof of leaf index in snapshot s.
// Requires index < s.size.
func (l *Log) inclusionProof(ctx context.Context, s *snapshot, index uint64) ([][]byte, error) {
	p, err := proof.Inclusion(index, s.size)
	if err != nil {
		return nil, fmt.Errorf("planning inclusion proof: %w", err)
	}
	return l.fetchProof(ctx, s, p)
}

// consistencyProof returns the consistency proof from size1 to size2.
// Requires size1 <= size2 <= s.size.
func (l *Log) consistencyProof(ctx context.Context, s *snapshot, size1, size2 uint64) ([][]byte, error) {
	p, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("planning consistency proof: %w", err)
	}
	return l.fetchProof(ctx, s, p)
}

// rootAt returns the root hash of the tree at size, from stored nodes.
// Requires size <= s.size.
func (l *Log) rootAt(ctx context.Context, s *snapshot, size uint64) ([]byte, error) {
	if size == s.size {
		return s.root, nil
	}
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	ids := compact.RangeNodes(0, size, nil)
	memo := map[[2]uint64]tileTree{}
	hs := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := l.node(ctx, s, id, memo)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	rng, err := rangeFactory.NewRange(0, size, hs)
	if err != nil {
		return nil, fmt.Errorf("building range of size %d: %w", size, err)
	}
	return rng.GetRootHash(nil)
}
