// Package mirror follows a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles),
// such as Rekor v2 or `provscope serve`'s /api/v2, into a local directory:
// it downloads every entry bundle, recomputes every hash tile from the
// entries, keeps those recomputed tiles (so the directory is itself a tiles
// log whose proofs derive from the entries alone) and indexes the entries
// for search (artifact and payload digests, signer identity and issuer, key
// fingerprint, kind). Rekor v2 has no search API; a mirror gives one back.
//
// Every step is judged by proof/ (proof/tiles_audit.go): bundle counts, each
// served tile against its recomputation, each run of new entries as a prefix
// of the signed checkpoint (RFC 6962 consistency), each new checkpoint
// against the last one kept. This package fetches, stores and indexes; an
// entry enters the index only once proof/ has accepted it. A lie stops the
// mirror with a *LieError naming the first bad range, with the checkpoint
// and offending bytes saved under the directory's evidence/.
//
// The work is resumable: the state (entries verified, the compact range of
// their tree, the checkpoints) is committed with each chunk's index rows in
// one SQLite transaction, so a mirror stopped at any point continues where
// its last chunk ended.
//
// AuditV1 does the same whole-log check for a Rekor v1 log, entry by entry
// across its shards; Config.StartAtCheckpoint and Config.OnEntries let a
// follower (provscope watch) start at the current checkpoint and see each
// verified entry.
package mirror

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/tiles"
)

const tileWidth = tiles.TileWidth

// Config says which log to follow and how.
type Config struct {
	// Dir is the mirror directory.
	Dir string
	// Fetch reads the log (tiles.NewHTTP's fetcher, FileFetcher, a fake).
	Fetch tiles.Fetcher
	// Keys are the trusted note keys of the log (RoleLog at least), and of
	// the witnesses whose cosignatures count (RoleWitness).
	Keys []proof.NoteKey
	// MinWitnesses is the witness policy: every checkpoint the run fetches
	// must carry at least this many verified cosignatures from distinct
	// witness keys in Keys, or the run stops as on a lie (nothing of it is
	// indexed). 0 requires none.
	MinWitnesses int
	// Origin, when set, is the checkpoint origin the log must sign.
	Origin string
	// Index keeps the entry bundles and builds the search index (mirror);
	// without it only the recomputed tiles and the state are kept (audit).
	Index bool
	// ChunkBundles is how many entry bundles are verified and committed
	// together; 0 means 64 (16384 entries).
	ChunkBundles int
	// Fetchers is how many resources are fetched at once; 0 means 8.
	Fetchers int
	// Progress, when set, is called after each committed chunk.
	Progress func(Progress)
	// Now returns the time for progress figures; nil means time.Now.
	Now func() time.Time
	// StartAtCheckpoint makes a run on an empty directory start at the
	// log's current checkpoint instead of its first entry (to follow the
	// log from now on): the right-edge tiles of every level are fetched
	// and authenticated by the signed root (proof.CompactFromEdgeTiles).
	StartAtCheckpoint bool
	// OnEntries, when set, is called with each run of entries once they are
	// verified and committed; first is the index of entries[0], cp the
	// checkpoint they were proven against.
	OnEntries func(first uint64, entries [][]byte, cp *proof.VerifiedCheckpoint) error
}

// Progress reports how far a run has come.
type Progress struct {
	// Start is the mirrored size when the run began, Done the mirrored size
	// now, Target the size of the checkpoint being followed.
	Start, Done, Target uint64
	// Elapsed is the time since the run began.
	Elapsed time.Duration
}

// Rate returns entries per second in this run.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done-p.Start) / p.Elapsed.Seconds()
}

// ETA estimates the time left at the current rate (0 when unknown).
func (p Progress) ETA() time.Duration {
	r := p.Rate()
	if r <= 0 || p.Target <= p.Done {
		return 0
	}
	return time.Duration(float64(p.Target-p.Done) / r * float64(time.Second))
}

// Result is what one run established.
type Result struct {
	// Checkpoint is the verified checkpoint the mirror now holds in full.
	Checkpoint *proof.VerifiedCheckpoint
	// From and To are the mirrored sizes before and after the run.
	From, To uint64
	// NotIndexed counts the entries of this run that verified but did not
	// decode as a Rekor entry (proof/body), so the index holds nothing
	// about them (a Tessera log's entries are arbitrary bytes). Zero for
	// an audit, which decodes nothing.
	NotIndexed uint64
}

// LieError reports that the log served something proof/ rejected: Err is
// proof's typed error (*proof.TileLieError, *proof.InconsistentError, a
// checkpoint signature error); Range is the first bad run of entries, when
// known; Evidence lists the files saved under the mirror's evidence/.
type LieError struct {
	Range    *proof.EntryRange
	Evidence []string
	Err      error
}

func (e *LieError) Error() string {
	msg := "the log lied: " + e.Err.Error()
	if e.Range != nil && !strings.HasPrefix(e.Err.Error(), e.Range.String()) {
		msg = "the log lied about " + e.Range.String() + ": " + e.Err.Error()
	}
	return msg
}

func (e *LieError) Unwrap() error { return e.Err }

// ErrWrongMode is returned for a directory that holds another kind of
// state (a mirror given to audit, or the reverse).
var ErrWrongMode = errors.New("wrong directory")

// state is what a run carries from chunk to chunk.
type state struct {
	size     uint64
	cr       *compact.Range
	target   *proof.VerifiedCheckpoint
	complete []byte
	// edge holds, per tile level, the hashes of the right-edge (partial)
	// tile: the recomputed tiles not yet full.
	edge [][][]byte
}

var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// Sync follows the log once: it fetches and verifies the log's checkpoint,
// checks it extends the one kept, and mirrors every new entry up to it.
func Sync(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Fetch == nil {
		return nil, errors.New("mirror: no fetcher")
	}
	if cfg.ChunkBundles <= 0 {
		cfg.ChunkBundles = 64
	}
	if cfg.Fetchers <= 0 {
		cfg.Fetchers = 8
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	r := &run{cfg: cfg, s: s, log: tiles.New(cfg.Fetch)}
	return r.sync(ctx)
}

type run struct {
	cfg        Config
	s          *store
	log        *tiles.Client
	st         state
	notIndexed uint64
}

func (r *run) sync(ctx context.Context) (*Result, error) {
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	from := r.st.size
	var inconsistent *LieError
	raw, err := r.log.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the checkpoint: %w", err)
	}
	origin := r.cfg.Origin
	if origin == "" && r.st.target != nil {
		origin = r.st.target.Origin
	}
	cp, err := proof.VerifyCheckpoint(raw, r.cfg.Keys, proof.CheckpointOptions{Origin: origin, MinWitnesses: r.cfg.MinWitnesses})
	if quorum := new(proof.QuorumError); errors.As(err, &quorum) {
		// The log signed it; too few witnesses vouch for it: not a lie,
		// but nothing may be mirrored from it either.
		return nil, fmt.Errorf("the checkpoint (size %d) does not meet the witness policy: %w", cp.Size, err)
	}
	if err != nil {
		return nil, r.lie(nil, fmt.Errorf("verifying the checkpoint: %w", err), evidenceFile{"checkpoint.note", raw})
	}
	if kept := r.st.target; kept != nil {
		var hashes [][]byte
		if proof.ConsistencyProofNeeded(kept.Checkpoint, cp.Checkpoint) {
			if hashes, err = r.log.ConsistencyProof(ctx, kept.Size, cp.Size); err != nil {
				return nil, fmt.Errorf("fetching consistency proof %d→%d: %w", kept.Size, cp.Size, err)
			}
		}
		if err := proof.VerifyNextCheckpoint(kept, cp, hashes); err != nil {
			lie := r.lie(nil, fmt.Errorf("checking the new checkpoint against the kept one: %w", err),
				evidenceFile{"checkpoint-kept.note", []byte(kept.Raw)}, evidenceFile{"checkpoint.note", raw},
				evidenceFile{"consistency-proof.hex", hexLines(hashes)})
			var ie *proof.InconsistentError
			if !errors.As(err, &ie) || ie.Kind != proof.Inconsistent {
				return nil, lie // rollback, fork at one size, new origin: nothing to read
			}
			// The proof came from the log's tiles: reading on finds the
			// first bad range (no chunk can verify against a checkpoint
			// that does not extend the kept tree).
			inconsistent = lie
		}
		if cp.Size < kept.Size { // unreachable: VerifyNextCheckpoint refuses rollbacks
			return nil, errors.New("checkpoint smaller than the kept one")
		}
	}
	if r.st.target == nil && r.st.size == 0 && r.cfg.StartAtCheckpoint && cp.Size > 0 {
		if err := r.bootstrap(ctx, cp); err != nil {
			return nil, err
		}
		from = cp.Size
	}
	r.st.target = cp
	start := r.cfg.Now()
	for r.st.size < cp.Size {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.chunk(ctx); err != nil {
			var le *LieError
			if inconsistent != nil && errors.As(err, &le) {
				le.Err = errors.Join(le.Err, inconsistent.Err)
				le.Evidence = append(le.Evidence, inconsistent.Evidence...)
				return nil, le
			}
			if inconsistent != nil && ctx.Err() == nil {
				return nil, inconsistent
			}
			return nil, err
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(Progress{Start: from, Done: r.st.size, Target: cp.Size, Elapsed: r.cfg.Now().Sub(start)})
		}
	}
	if inconsistent != nil {
		// Unreachable unless the log's tiles lied in the proof alone: the
		// recomputed tree extends the kept one.
		return nil, inconsistent
	}
	if r.st.size == cp.Size && from == cp.Size {
		// Nothing new: record the (possibly re-signed) checkpoint.
		r.st.complete = []byte(cp.Raw)
		if err := r.commit(ctx, nil, nil); err != nil {
			return nil, err
		}
	}
	return &Result{Checkpoint: cp, From: from, To: r.st.size, NotIndexed: r.notIndexed}, nil
}

// load reads the kept state.
func (r *run) load(ctx context.Context) error {
	size, err := r.s.size(ctx)
	if err != nil {
		return err
	}
	mode, err := r.s.meta(ctx, metaMode)
	if err != nil {
		return err
	}
	want := "audit"
	if r.cfg.Index {
		want = "mirror"
	}
	if mode != nil && string(mode) != want {
		return fmt.Errorf("%w: directory %s holds a %s, not a %s", ErrWrongMode, r.cfg.Dir, mode, want)
	}
	r.st.size = size
	comp, err := r.s.meta(ctx, metaCompact)
	if err != nil {
		return err
	}
	hashes := splitHashes(comp)
	if r.st.cr, err = rangeFactory.NewRange(0, size, hashes); err != nil {
		return fmt.Errorf("reading the mirror's compact range: %w", err)
	}
	if t, err := r.s.meta(ctx, metaTarget); err != nil {
		return err
	} else if t != nil {
		// The kept checkpoint verified when it was stored; verifying again
		// with the keys given now also catches a key change.
		vc, err := proof.VerifyCheckpoint(t, r.cfg.Keys, proof.CheckpointOptions{Origin: r.cfg.Origin})
		if err != nil {
			return fmt.Errorf("re-verifying the kept checkpoint: %w", err)
		}
		r.st.target = vc
	}
	if r.st.complete, err = r.s.meta(ctx, metaComplete); err != nil {
		return err
	}
	// The right-edge tile of each level, as recomputed and stored.
	for level := uint64(0); ; level++ {
		count := levelCount(size, level)
		if count == 0 && level > 0 {
			break
		}
		w := count % tileWidth
		var edge [][]byte
		if w > 0 {
			b, err := os.ReadFile(filepath.Join(r.cfg.Dir, filepath.FromSlash(tiles.TilePath(level, count/tileWidth, w))))
			if err != nil {
				return fmt.Errorf("reading the mirror's edge tile: %w", err)
			}
			if uint64(len(b)) != w*32 {
				return fmt.Errorf("mirror's edge tile %d/%d is %d bytes, want %d", level, count/tileWidth, len(b), w*32)
			}
			edge = splitHashes(b)
		}
		r.st.edge = append(r.st.edge, edge)
		if count == 0 {
			break
		}
	}
	return nil
}

// levelCount is the number of complete hashes at tile level level in a
// tree of size leaves.
func levelCount(size, level uint64) uint64 {
	if level*8 >= 64 {
		return 0
	}
	return size >> (8 * level)
}

func splitHashes(b []byte) [][]byte {
	out := make([][]byte, 0, len(b)/32)
	for i := 0; i+32 <= len(b); i += 32 {
		out = append(out, b[i:i+32:i+32])
	}
	return out
}

func joinHashes(hs [][]byte) []byte {
	out := make([]byte, 0, 32*len(hs))
	for _, h := range hs {
		out = append(out, h...)
	}
	return out
}

func hexLines(hs [][]byte) []byte {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(hex.EncodeToString(h) + "\n")
	}
	return []byte(b.String())
}

// fetched is one entry bundle with its level-0 tile, as served.
type fetched struct {
	index, width   uint64
	bundle, tile   []byte
	bundleP, tileP string
	err            error
}

// chunk verifies and commits the next run of entries.
func (r *run) chunk(ctx context.Context) error {
	n := r.st.target.Size
	first := r.st.size / tileWidth
	last := min((n-1)/tileWidth, first+uint64(r.cfg.ChunkBundles)-1) //nolint:gosec // ChunkBundles > 0
	end := min((last+1)*tileWidth, n)

	got := make([]fetched, last-first+1)
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.cfg.Fetchers)
	for i := range got {
		k := first + uint64(i) //nolint:gosec // i >= 0
		w := min(n-k*tileWidth, tileWidth)
		got[i] = fetched{index: k, width: w, bundleP: tiles.EntriesPath(k, w), tileP: tiles.TilePath(0, k, w)}
		wg.Add(1)
		go func(f *fetched) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			f.bundle, f.err = r.fetchWide(ctx, f.bundleP, tiles.EntriesPath(f.index, tileWidth), f.width)
			if f.err == nil {
				f.tile, f.err = r.fetchWide(ctx, f.tileP, tiles.TilePath(0, f.index, tileWidth), f.width)
			}
		}(&got[i])
	}
	wg.Wait()

	cr := rangeFactory.NewEmptyRange(0)
	if err := cr.AppendRange(r.st.cr, nil); err != nil {
		return fmt.Errorf("copying the compact range: %w", err)
	}
	tb := newTileBuilder(r.st.size, r.st.edge)
	var writes []evidenceFile // files to write once verified
	var leaves [][]byte       // entries new in this chunk, in order
	for i := range got {
		f := &got[i]
		if f.err != nil {
			return fmt.Errorf("fetching bundle %d: %w", f.index, f.err)
		}
		entries, err := tiles.ParseBundle(f.bundle)
		if err != nil {
			return r.lie(rangeOf(proof.BundleRange(f.index, f.width)), proof.MalformedBundle(f.index, f.width, err),
				evidenceFile{"bundle-" + strconv.FormatUint(f.index, 10) + ".bin", f.bundle})
		}
		if uint64(len(entries)) > f.width && f.width < tileWidth {
			entries = entries[:f.width] // a log may answer a partial request with the full bundle
		}
		hashes, err := proof.BundleLeafHashes(f.index, f.width, entries)
		if err != nil {
			return r.lie(rangeOf(proof.BundleRange(f.index, f.width)), err,
				evidenceFile{"bundle-" + strconv.FormatUint(f.index, 10) + ".bin", f.bundle})
		}
		if err := proof.CheckTile(0, f.index, f.tile, hashes); err != nil {
			var tl *proof.TileLieError
			var rg *proof.EntryRange
			if errors.As(err, &tl) {
				rg = &tl.Range
			}
			return r.lie(rg, err, evidenceFile{"tile-0-" + strconv.FormatUint(f.index, 10) + ".bin", f.tile},
				evidenceFile{"bundle-" + strconv.FormatUint(f.index, 10) + ".bin", f.bundle})
		}
		// Entries already mirrored (the start of a partial bundle) must be
		// the ones mirrored before.
		skip := r.st.size - f.index*tileWidth
		if f.index*tileWidth > r.st.size {
			skip = 0
		}
		if skip > 0 {
			if err := proof.CheckTile(0, f.index, joinHashes(r.st.edge[0]), hashes[:skip]); err != nil {
				return r.lie(rangeOf(proof.EntryRange{First: f.index * tileWidth, Last: r.st.size - 1}),
					fmt.Errorf("bundle %d changed entries mirrored before: %w", f.index, err),
					evidenceFile{"bundle-" + strconv.FormatUint(f.index, 10) + ".bin", f.bundle})
			}
		}
		for j := skip; j < f.width; j++ {
			if err := cr.Append(hashes[j], nil); err != nil {
				return fmt.Errorf("appending leaf: %w", err)
			}
			tb.add(0, hashes[j])
			leaves = append(leaves, entries[j])
		}
		if r.cfg.Index {
			writes = append(writes, evidenceFile{f.bundleP, rawBundle(entries)})
		}
	}

	// Higher-level tiles this chunk completed must equal the log's.
	for _, t := range tb.full {
		if t.level == 0 {
			continue // compared with its bundle above
		}
		if err := r.checkServedTile(ctx, t.level, t.index, tileWidth, t.hashes); err != nil {
			return err
		}
	}
	if end == n {
		// At the signed size, the right-edge tiles of every level too.
		for level := 1; level < len(tb.edge); level++ {
			if w := uint64(len(tb.edge[level])); w > 0 {
				l := uint64(level) //nolint:gosec // level >= 1
				if err := r.checkServedTile(ctx, l, levelCount(end, l)/tileWidth, w, tb.edge[level]); err != nil {
					return err
				}
			}
		}
	}

	root, err := cr.GetRootHash(nil)
	if err != nil {
		return fmt.Errorf("computing the root: %w", err)
	}
	var proofHashes [][]byte
	if end < n {
		if proofHashes, err = r.log.ConsistencyProof(ctx, end, n); err != nil {
			return fmt.Errorf("fetching consistency proof %d→%d: %w", end, n, err)
		}
	}
	if err := proof.VerifyMirroredPrefix(r.st.size, end, root, r.st.target, proofHashes); err != nil {
		ev := []evidenceFile{{"checkpoint.note", []byte(r.st.target.Raw)}, {"consistency-proof.hex", hexLines(proofHashes)}}
		for _, f := range got {
			ev = append(ev, evidenceFile{"bundle-" + strconv.FormatUint(f.index, 10) + ".bin", f.bundle},
				evidenceFile{"tile-0-" + strconv.FormatUint(f.index, 10) + ".bin", f.tile})
		}
		return r.lie(rangeOf(proof.EntryRange{First: r.st.size, Last: end - 1}), err, ev...)
	}

	// Verified: decode and index, write the tiles, commit.
	var rows []indexRow
	if r.cfg.Index {
		rows = decodeRows(r.st.size, leaves)
	}
	var notIndexed uint64
	for _, row := range rows {
		if !row.decoded {
			notIndexed++
		}
	}
	for level, hs := range tb.edge {
		if len(hs) > 0 {
			l := uint64(level) //nolint:gosec // level >= 0
			writes = append(writes, evidenceFile{tiles.TilePath(l, levelCount(end, l)/tileWidth, uint64(len(hs))), joinHashes(hs)})
		}
	}
	for _, t := range tb.full {
		writes = append(writes, evidenceFile{tiles.TilePath(t.level, t.index, tileWidth), joinHashes(t.hashes)})
	}
	for _, w := range writes {
		if err := writeFile(r.cfg.Dir, w.name, w.data); err != nil {
			return err
		}
	}
	firstNew := r.st.size
	r.st.cr, r.st.edge, r.st.size = cr, tb.edge, end
	if end == n {
		r.st.complete = []byte(r.st.target.Raw)
	}
	if err := r.commit(ctx, rows, nil); err != nil {
		return err
	}
	r.notIndexed += notIndexed
	if r.cfg.OnEntries != nil {
		return r.cfg.OnEntries(firstNew, leaves, r.st.target)
	}
	return nil
}

// bootstrap starts an empty directory at checkpoint cp: the right-edge
// tiles of every level, authenticated by cp's root, give the compact range
// and the tile state without the entries before.
func (r *run) bootstrap(ctx context.Context, cp *proof.VerifiedCheckpoint) error {
	var edges [][][]byte
	for level := uint64(0); levelCount(cp.Size, level) > 0; level++ {
		count := levelCount(cp.Size, level)
		var hs [][]byte
		if w := count % tileWidth; w > 0 {
			b, err := r.fetchWide(ctx, tiles.TilePath(level, count/tileWidth, w), tiles.TilePath(level, count/tileWidth, tileWidth), w)
			if err != nil {
				return fmt.Errorf("fetching edge tile %d/%d: %w", level, count/tileWidth, err)
			}
			if uint64(len(b)) < w*32 {
				return r.lie(nil, fmt.Errorf("edge tile %d/%d is %d bytes, want %d", level, count/tileWidth, len(b), w*32),
					evidenceFile{fmt.Sprintf("tile-%d-%d.bin", level, count/tileWidth), b})
			}
			hs = splitHashes(b[:w*32])
		}
		edges = append(edges, hs)
	}
	hashes, err := proof.CompactFromEdgeTiles(cp.Size, edges, cp.RootHash)
	if err != nil {
		var ev []evidenceFile
		for l, hs := range edges {
			ev = append(ev, evidenceFile{fmt.Sprintf("edge-tile-%d.bin", l), joinHashes(hs)})
		}
		return r.lie(rangeOf(proof.EntryRange{First: 0, Last: cp.Size - 1}), err, append(ev, evidenceFile{"checkpoint.note", []byte(cp.Raw)})...)
	}
	cr, err := rangeFactory.NewRange(0, cp.Size, hashes)
	if err != nil {
		return fmt.Errorf("building the compact range: %w", err)
	}
	for l, hs := range edges {
		if len(hs) > 0 {
			lv := uint64(l) //nolint:gosec // l >= 0
			if err := writeFile(r.cfg.Dir, tiles.TilePath(lv, levelCount(cp.Size, lv)/tileWidth, uint64(len(hs))), joinHashes(hs)); err != nil {
				return err
			}
		}
	}
	r.st.cr, r.st.edge, r.st.size, r.st.target, r.st.complete = cr, edges, cp.Size, cp, []byte(cp.Raw)
	return r.commit(ctx, nil, nil)
}

// tileBuilder recomputes the hash tiles as leaf hashes are appended: edge
// holds the right-edge (partial) tile of each level, counts the number of
// hashes at each level, full the tiles that became full.
type tileBuilder struct {
	edge   [][][]byte
	counts []uint64
	full   []fullTile
}

type fullTile struct {
	level, index uint64
	hashes       [][]byte
}

func newTileBuilder(size uint64, edge [][][]byte) *tileBuilder {
	b := &tileBuilder{}
	for l := range edge {
		b.edge = append(b.edge, append([][]byte(nil), edge[l]...))
		b.counts = append(b.counts, levelCount(size, uint64(l))) //nolint:gosec // l >= 0
	}
	return b
}

// add appends h at level, cascading full tiles up a level.
func (b *tileBuilder) add(level int, h []byte) {
	for len(b.edge) <= level {
		b.edge = append(b.edge, nil)
		b.counts = append(b.counts, 0)
	}
	b.edge[level] = append(b.edge[level], h)
	b.counts[level]++
	if len(b.edge[level]) < tileWidth {
		return
	}
	full := b.edge[level]
	b.edge[level] = nil
	b.full = append(b.full, fullTile{level: uint64(level), index: b.counts[level]/tileWidth - 1, hashes: full}) //nolint:gosec // level >= 0
	b.add(level+1, proof.TileRoot(full))
}

func rangeOf(r proof.EntryRange) *proof.EntryRange { return &r }

func rawBundle(entries [][]byte) []byte {
	n := 0
	for _, e := range entries {
		n += 2 + len(e)
	}
	out := make([]byte, 0, n)
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e))) //nolint:gosec // entries come from ParseBundle: at most 65535 bytes
		out = append(out, e...)
	}
	return out
}

// fetchWide fetches a partial resource, or the full one when the log has
// completed it since (a log may drop partial tiles once full).
func (r *run) fetchWide(ctx context.Context, p, full string, width uint64) ([]byte, error) {
	b, err := r.cfg.Fetch(ctx, p)
	if errors.Is(err, tiles.ErrNotFound) && width < tileWidth {
		b, err = r.cfg.Fetch(ctx, full)
	}
	return b, err
}

func (r *run) checkServedTile(ctx context.Context, level, idx, width uint64, hashes [][]byte) error {
	served, err := r.fetchWide(ctx, tiles.TilePath(level, idx, width), tiles.TilePath(level, idx, tileWidth), width)
	if err != nil {
		return fmt.Errorf("fetching tile %d/%d: %w", level, idx, err)
	}
	if err := proof.CheckTile(level, idx, served, hashes); err != nil {
		var tl *proof.TileLieError
		var rg *proof.EntryRange
		if errors.As(err, &tl) {
			rg = &tl.Range
		}
		return r.lie(rg, err, evidenceFile{fmt.Sprintf("tile-%d-%d.bin", level, idx), served},
			evidenceFile{"checkpoint.note", []byte(r.st.target.Raw)})
	}
	return nil
}

func decodeRows(first uint64, entries [][]byte) []indexRow {
	rows := make([]indexRow, len(entries))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(entries); i += workers {
				rows[i] = rowFor(first+uint64(i), entries[i]) //nolint:gosec // i >= 0
			}
		}(w)
	}
	wg.Wait()
	return rows
}

// commit stores the state and rows in one transaction.
func (r *run) commit(ctx context.Context, rows []indexRow, _ []byte) error {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("committing mirror state: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if len(rows) > 0 {
		w, err := newIndexWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for _, row := range rows {
			if err := w.add(ctx, row); err != nil {
				return err
			}
		}
	}
	mode := "audit"
	if r.cfg.Index {
		mode = "mirror"
	}
	for _, kv := range []struct {
		k string
		v []byte
	}{
		{metaMode, []byte(mode)},
		{metaOrigin, []byte(r.st.target.Origin)},
		{metaSize, []byte(strconv.FormatUint(r.st.size, 10))},
		{metaCompact, joinHashes(r.st.cr.Hashes())},
		{metaTarget, []byte(r.st.target.Raw)},
	} {
		if err := setMeta(ctx, tx, kv.k, kv.v); err != nil {
			return err
		}
	}
	if r.st.complete != nil {
		if err := setMeta(ctx, tx, metaComplete, r.st.complete); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing mirror state: %w", err)
	}
	return nil
}

// evidenceFile is a named blob: evidence to save, or a file to write.
type evidenceFile struct {
	name string
	data []byte
}

// lie saves the evidence under dir/evidence/ and returns a *LieError.
func (r *run) lie(rg *proof.EntryRange, err error, files ...evidenceFile) *LieError {
	le := &LieError{Range: rg, Err: err}
	dir := filepath.Join(r.cfg.Dir, "evidence")
	if r.st.target != nil {
		files = append(files, evidenceFile{"checkpoint-verified.note", []byte(r.st.target.Raw)})
	}
	for _, f := range files {
		if f.data == nil {
			continue
		}
		if werr := writeFile(dir, f.name, f.data); werr == nil {
			le.Evidence = append(le.Evidence, filepath.Join(dir, f.name))
		}
	}
	return le
}
