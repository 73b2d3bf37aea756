package mirror

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	merkleproof "github.com/transparency-dev/merkle/proof"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/tiles"
)

// Info is what a mirror directory says about itself (unverified until its
// checkpoint is verified with the log's key).
type Info struct {
	Origin string
	// Size is the number of verified entries.
	Size uint64
	// Complete is the newest checkpoint note whose whole tree is mirrored;
	// empty before the first complete run.
	Complete []byte
	// Target is the newest verified checkpoint note (size >= Size).
	Target []byte
}

// ReadInfo reads the state of the mirror in dir.
func ReadInfo(ctx context.Context, dir string) (*Info, error) {
	if _, err := os.Stat(filepath.Join(dir, dbFileName)); err != nil {
		return nil, fmt.Errorf("opening mirror %s: %w", dir, err)
	}
	s, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.info(ctx)
}

func (s *store) info(ctx context.Context) (*Info, error) {
	var err error
	info := &Info{}
	if info.Size, err = s.size(ctx); err != nil {
		return nil, err
	}
	o, err := s.meta(ctx, metaOrigin)
	if err != nil {
		return nil, err
	}
	info.Origin = string(o)
	if info.Complete, err = s.meta(ctx, metaComplete); err != nil {
		return nil, err
	}
	if info.Target, err = s.meta(ctx, metaTarget); err != nil {
		return nil, err
	}
	return info, nil
}

// Query selects entries; every criterion given must hold. Subject and Issuer
// match exactly, or as a prefix when they end in "*".
type Query struct {
	// Digest is an artifact, payload or envelope digest: "sha256:<hex>" or
	// "<hex>".
	Digest         string
	Subject        string
	Issuer         string
	KeyFingerprint string // hex SHA-256 of the DER public key
	Kind           model.EntryKind
	// Limit bounds the hits returned; 0 means 100.
	Limit int
}

// Hit is one entry that matched, read from the verified bundles, with its
// inclusion proof computed from the mirrored tiles and verified against
// the mirror's checkpoint.
type Hit struct {
	Index    uint64
	Entry    []byte
	Body     *body.Body
	LeafHash []byte
	Proof    [][]byte
}

// SearchResult is the answer to a query.
type SearchResult struct {
	// Checkpoint is the verified checkpoint every hit is proven against.
	Checkpoint *proof.VerifiedCheckpoint
	Hits       []Hit
	// More says hits beyond Limit were left out.
	More bool
}

// HitEntry returns a hit as an entry of the log: its ID is its leaf hash,
// its proof the verified inclusion proof up to cp, the checkpoint the hit
// was proven against (SearchResult.Checkpoint).
func HitEntry(h Hit, cp *proof.VerifiedCheckpoint) (model.LogEntry, error) {
	if h.Index > math.MaxInt64 || cp.Size > math.MaxInt64 {
		return model.LogEntry{}, fmt.Errorf("entry %d of a tree of size %d is out of range", h.Index, cp.Size)
	}
	idx := int64(h.Index) //nolint:gosec // G115: checked <= MaxInt64
	e := model.LogEntry{
		UUID:     hex.EncodeToString(h.LeafHash),
		LogIndex: idx,
		Body:     h.Entry,
		Proof: &model.InclusionProof{
			LogIndex: idx, TreeSize: int64(cp.Size), //nolint:gosec // G115: checked <= MaxInt64
			RootHash: cp.RootHash, Hashes: h.Proof, Checkpoint: cp.Raw,
		},
	}
	if h.Body != nil {
		e.Kind, e.APIVersion = h.Body.Kind, h.Body.APIVersion
	}
	return e, nil
}

// ErrNoCheckpoint is returned when a mirror has no complete checkpoint yet.
var ErrNoCheckpoint = errors.New("the mirror holds no complete checkpoint yet: run provscope mirror to the end first")

// Search answers q from the index in dir. The mirror's complete checkpoint
// is verified with keys first; each hit's inclusion proof is then computed
// from the mirrored tiles and verified against it (proof.VerifyInclusion),
// and an entry that does not verify is an error, never a hit. A caller that
// searches one mirror many times keeps a Searcher instead.
func Search(ctx context.Context, dir string, keys []proof.NoteKey, q Query) (*SearchResult, error) {
	sr, err := OpenSearcher(dir, keys)
	if err != nil {
		return nil, err
	}
	defer sr.Close()
	return sr.Search(ctx, q)
}

// Searcher answers queries from one mirror directory with the same checks
// as Search, keeping between searches what does not change until the mirror
// grows: the open index, the verified checkpoint (re-verified whenever the
// mirror's complete checkpoint note differs from the one verified) and the
// hashes of tree nodes above the level-0 tiles that were part of an
// inclusion proof already verified against that checkpoint. The entry, its
// level-0 tile and every node not yet cached are read from the mirror at
// each search, and every hit's proof is verified against the signed
// checkpoint before it is returned, cache or not. Safe for concurrent use.
type Searcher struct {
	dir  string
	keys []proof.NoteKey
	s    *store

	mu     sync.Mutex
	note   []byte // the complete checkpoint note cp was verified from
	origin string
	cp     *proof.VerifiedCheckpoint
	nodes  map[compact.NodeID][]byte // verified nodes of cp's tree, level >= tiles.TileHeight
}

// OpenSearcher opens the mirror in dir for searching with the log's keys.
func OpenSearcher(dir string, keys []proof.NoteKey) (*Searcher, error) {
	if _, err := os.Stat(filepath.Join(dir, dbFileName)); err != nil {
		return nil, fmt.Errorf("opening mirror %s: %w", dir, err)
	}
	s, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	return &Searcher{dir: dir, keys: keys, s: s}, nil
}

// Close releases the index.
func (sr *Searcher) Close() error { return sr.s.Close() }

// checkpoint returns the mirror's complete checkpoint, verified with the
// keys: the one verified before when the note and origin are byte for byte
// the same, else verified now (and the node cache emptied).
func (sr *Searcher) checkpoint(ctx context.Context) (*proof.VerifiedCheckpoint, error) {
	o, err := sr.s.meta(ctx, metaOrigin)
	if err != nil {
		return nil, err
	}
	complete, err := sr.s.meta(ctx, metaComplete)
	if err != nil {
		return nil, err
	}
	if len(complete) == 0 {
		return nil, ErrNoCheckpoint
	}
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.cp != nil && bytes.Equal(sr.note, complete) && sr.origin == string(o) {
		return sr.cp, nil
	}
	cp, err := proof.VerifyCheckpoint(complete, sr.keys, proof.CheckpointOptions{Origin: string(o)})
	if err != nil {
		return nil, fmt.Errorf("verifying the mirror's checkpoint: %w", err)
	}
	sr.note, sr.origin, sr.cp, sr.nodes = complete, string(o), cp, map[compact.NodeID][]byte{}
	return cp, nil
}

// Search answers q; see the package-level Search.
func (sr *Searcher) Search(ctx context.Context, q Query) (*SearchResult, error) {
	cp, err := sr.checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	cands, err := sr.s.candidates(ctx, q)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	res := &SearchResult{Checkpoint: cp}
	run := &searchRun{tc: tiles.New(FileFetcher(sr.dir)), trees: map[[2]uint64][][][]byte{}, bundles: map[uint64][][]byte{}}
	for _, idx := range cands {
		if idx >= cp.Size {
			continue // verified but beyond the last complete checkpoint
		}
		entry, err := run.entry(ctx, idx, cp.Size)
		if err != nil {
			return nil, fmt.Errorf("reading mirrored entry %d: %w", idx, err)
		}
		b, err := body.Decode(entry)
		if err != nil || !matches(b, q) {
			continue // an 8-byte prefix collision, or another criterion
		}
		if len(res.Hits) == limit {
			res.More = true
			break
		}
		leaf := proof.LeafHash(entry)
		hashes, err := sr.inclusion(ctx, run, cp, idx, leaf)
		if err != nil {
			return nil, err
		}
		res.Hits = append(res.Hits, Hit{Index: idx, Entry: entry, Body: b, LeafHash: leaf, Proof: hashes})
	}
	return res, nil
}

// inclusion computes the inclusion proof of leaf idx of cp's tree from the
// mirrored tiles (nodes above the level-0 tiles from the cache when an
// earlier verified proof held them) and verifies it against cp. Only after
// it verifies are its upper nodes cached.
func (sr *Searcher) inclusion(ctx context.Context, run *searchRun, cp *proof.VerifiedCheckpoint, idx uint64, leaf []byte) ([][]byte, error) {
	nodes, err := merkleproof.Inclusion(idx, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("computing the inclusion proof of entry %d from the mirror: planning: %w", idx, err)
	}
	sr.mu.Lock()
	cached := sr.nodes
	if sr.cp != cp {
		cached = nil // the mirror moved on while this search ran: read everything
	}
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		hs[i] = cached[id]
	}
	sr.mu.Unlock()
	for i, id := range nodes.IDs {
		if hs[i] != nil {
			continue
		}
		if hs[i], err = run.nodeHash(ctx, id, cp.Size); err != nil {
			return nil, fmt.Errorf("computing the inclusion proof of entry %d from the mirror: reading node (%d,%d): %w", idx, id.Level, id.Index, err)
		}
	}
	hashes, err := nodes.Rehash(slices.Clone(hs), proof.NodeHash) // Rehash rewrites its input; hs is cached below
	if err != nil {
		return nil, fmt.Errorf("computing the inclusion proof of entry %d from the mirror: %w", idx, err)
	}
	if err := proof.VerifyInclusion(idx, cp.Size, leaf, hashes, cp.RootHash); err != nil {
		return nil, fmt.Errorf("entry %d is not included in the mirror's checkpoint (the mirror was changed since it was verified): %w", idx, err)
	}
	sr.mu.Lock()
	if sr.cp == cp {
		for i, id := range nodes.IDs {
			if id.Level >= tiles.TileHeight {
				sr.nodes[id] = hs[i]
			}
		}
	}
	sr.mu.Unlock()
	return hashes, nil
}

// searchRun is what one search reads: each entry bundle read and parsed
// once, and each tile read and its inner nodes hashed up once, since hits
// often share their bundles and tiles.
type searchRun struct {
	tc *tiles.Client
	// trees maps (tile level, tile index) to the tile's internal tree:
	// trees[t][0] are the tile's hashes, trees[t][k] the hashes of the
	// perfect nodes k levels above them.
	trees map[[2]uint64][][][]byte
	// bundles maps a bundle index to its entries.
	bundles map[uint64][][]byte
}

// entry returns entry idx of a tree of size treeSize, as
// tiles.Client.Entry does, parsing each bundle once.
func (r *searchRun) entry(ctx context.Context, idx, treeSize uint64) ([]byte, error) {
	bundle := idx / tiles.TileWidth
	es, ok := r.bundles[bundle]
	if !ok {
		var err error
		if es, err = r.tc.EntryBundle(ctx, bundle, min(treeSize-bundle*tiles.TileWidth, tiles.TileWidth)); err != nil {
			return nil, err
		}
		r.bundles[bundle] = es
	}
	return es[idx%tiles.TileWidth], nil
}

// nodeHash returns the hash of the perfect node id of a tree of size
// treeSize from the tile that holds it, as tiles.Client.NodeHash does.
func (r *searchRun) nodeHash(ctx context.Context, id compact.NodeID, treeSize uint64) ([]byte, error) {
	if id.Level >= 64 || (id.Index+1)<<id.Level > treeSize || (id.Index+1)<<id.Level < id.Index {
		return nil, fmt.Errorf("node (%d,%d) is not a perfect node of a tree of size %d", id.Level, id.Index, treeSize)
	}
	tileLevel := uint64(id.Level / tiles.TileHeight)
	sub := id.Level % tiles.TileHeight
	first := id.Index << sub
	tileIndex := first / tiles.TileWidth
	key := [2]uint64{tileLevel, tileIndex}
	tree, ok := r.trees[key]
	if !ok {
		levelSize := treeSize >> (tileLevel * tiles.TileHeight)
		width := min(levelSize-tileIndex*tiles.TileWidth, tiles.TileWidth)
		hashes, err := r.tc.Tile(ctx, tileLevel, tileIndex, width)
		if err != nil {
			return nil, err
		}
		tree = [][][]byte{hashes}
		for below := hashes; len(below) >= 2; {
			above := make([][]byte, len(below)/2)
			for j := range above {
				above[j] = proof.NodeHash(below[2*j], below[2*j+1])
			}
			tree, below = append(tree, above), above
		}
		r.trees[key] = tree
	}
	at := (first % tiles.TileWidth) >> sub
	if int(sub) >= len(tree) || at >= uint64(len(tree[sub])) {
		return nil, fmt.Errorf("tile %d/%d has %d hashes, node (%d,%d) needs more", tileLevel, tileIndex, len(tree[0]), id.Level, id.Index)
	}
	return tree[sub][at], nil
}

// NormalizeDigest returns the lower-case hex of a "sha256:<hex>" or "<hex>"
// digest, or an error.
func NormalizeDigest(d string) (string, error) {
	h := strings.ToLower(d)
	if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[i+1:]
	}
	if _, ok := prefix8(h); !ok || len(h)%2 != 0 {
		return "", fmt.Errorf("digest %q: want [algorithm:]<hex>", d)
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return "", fmt.Errorf("digest %q: want [algorithm:]<hex>", d)
		}
	}
	return h, nil
}

// matchText matches v against a pattern: exact, or a prefix when the
// pattern ends in "*".
func matchText(pattern, v string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(v, p)
	}
	return v == pattern
}

// Matches reports whether a decoded entry satisfies every criterion of q
// (its Limit aside).
func Matches(b *body.Body, q Query) bool { return matches(b, q) }

func matches(b *body.Body, q Query) bool {
	if q.Kind != "" && b.Kind != q.Kind {
		return false
	}
	if q.Digest != "" {
		want, err := NormalizeDigest(q.Digest)
		if err != nil {
			return false
		}
		if b.ArtifactDigest.Hex != want && b.PayloadHash.Hex != want && b.EnvelopeHash.Hex != want {
			return false
		}
	}
	if q.Subject == "" && q.Issuer == "" && q.KeyFingerprint == "" {
		return true
	}
	for _, sig := range b.Signatures {
		if (q.Subject == "" || matchText(q.Subject, sig.Signer.Subject)) &&
			(q.Issuer == "" || matchText(q.Issuer, sig.Signer.Issuer)) &&
			(q.KeyFingerprint == "" || strings.EqualFold(q.KeyFingerprint, sig.Signer.KeyFingerprint)) {
			return true
		}
	}
	return false
}

// candidates returns the indices the index offers for q, ascending: the
// intersection of each criterion's candidates.
func (s *store) candidates(ctx context.Context, q Query) ([]uint64, error) {
	var sets [][]uint64
	add := func(query string, args ...any) error {
		got, err := queryIdx(ctx, s.db, query, args...)
		if err != nil {
			return err
		}
		sets = append(sets, got)
		return nil
	}
	if q.Digest != "" {
		h, err := NormalizeDigest(q.Digest)
		if err != nil {
			return nil, err
		}
		p, _ := prefix8(h)
		if err := add(`SELECT idx FROM digests WHERE h = ? ORDER BY idx`, p); err != nil {
			return nil, err
		}
	}
	if q.KeyFingerprint != "" {
		p, ok := prefix8(strings.ToLower(q.KeyFingerprint))
		if !ok {
			return nil, fmt.Errorf("key fingerprint %q: want hex", q.KeyFingerprint)
		}
		if err := add(`SELECT idx FROM keys WHERE fp = ? ORDER BY idx`, p); err != nil {
			return nil, err
		}
	}
	if q.Subject != "" || q.Issuer != "" {
		var where []string
		var args []any
		for _, c := range []struct{ col, pat string }{{"subject", q.Subject}, {"issuer", q.Issuer}} {
			if c.pat == "" {
				continue
			}
			if p, ok := strings.CutSuffix(c.pat, "*"); ok {
				if hi, bounded := prefixEnd(p); bounded {
					where = append(where, c.col+" >= ? AND "+c.col+" < ?")
					args = append(args, p, hi)
				} else {
					where = append(where, c.col+" >= ?")
					args = append(args, p)
				}
				continue
			}
			where = append(where, c.col+" = ?")
			args = append(args, c.pat)
		}
		if err := add(`SELECT DISTINCT s.idx FROM idents i JOIN sigs s ON s.ident = i.id WHERE `+strings.Join(where, " AND ")+` ORDER BY s.idx`, args...); err != nil {
			return nil, err
		}
	}
	if len(sets) == 0 && q.Kind != "" {
		if err := add(`SELECT idx FROM kinds WHERE kind = ? ORDER BY idx`, KindCode(q.Kind)); err != nil {
			return nil, err
		}
	}
	if len(sets) == 0 {
		return nil, errors.New("search needs at least one criterion")
	}
	out := sets[0]
	for _, set := range sets[1:] {
		out = intersect(out, set)
	}
	return out, nil
}

// prefixEnd returns the smallest string greater than every string with
// prefix p (byte order), or false when there is none (p is all 0xff).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

func queryIdx(ctx context.Context, db *sql.DB, query string, args ...any) ([]uint64, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("querying the mirror index: %w", err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, fmt.Errorf("querying the mirror index: %w", err)
		}
		if i >= 0 {
			out = append(out, uint64(i))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("querying the mirror index: %w", err)
	}
	return out, nil
}

func intersect(a, b []uint64) []uint64 {
	var out []uint64
	for _, v := range a {
		if _, ok := slices.BinarySearch(b, v); ok {
			out = append(out, v)
		}
	}
	return out
}

// String renders a hit's index for messages.
func (h Hit) String() string { return "entry " + strconv.FormatUint(h.Index, 10) }
