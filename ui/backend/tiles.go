package backend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/ui"
)

// A tiles log (Rekor v2, `provscope serve`'s /api/v2, a Tessera log)
// serves checkpoints, tiles and entry bundles, and has no search API. The
// explorer's search on one answers from the log's mirror (provscope
// mirror, in Config.MirrorDir), the way `provscope search --mirror` does:
// rekor/mirror re-verifies the mirror's checkpoint, here with the
// explorer's own pinned log key, and each hit's inclusion proof, computed
// from the mirrored tiles, before it is returned. The hits travel as
// entries of the log whose proof ends at that signed checkpoint, so
// Verify (inspect's tiles entry check) verifies them again like any entry.

// maxMirrorHits bounds one search's answer (and so what tilesCache keeps
// for it).
const maxMirrorHits = 1000

// maxCachedEntries bounds tilesCache across searches and sessions.
const maxCachedEntries = 20 * maxMirrorHits

// tilesCache keeps the entries a tiles-log search returned, by entry ID
// (leaf hash), for Entries: a tiles log cannot be asked for an entry by its
// leaf hash. Shared by the copies WithSigner makes (sessions).
type tilesCache struct {
	mu      sync.Mutex
	entries map[string]model.LogEntry

	// searcher is the open mirror.Searcher of the mirror in searcherDir,
	// verifying with the keys named by searcherKeys: it keeps the
	// mirror's verified checkpoint and the verified upper tree nodes
	// between searches, so a search does not reopen the index and
	// re-verify the checkpoint each time (rekor/mirror/search.go). Every
	// hit is still proven against the signed checkpoint before it is
	// returned.
	searcher     *mirror.Searcher
	searcherDir  string
	searcherKeys string
}

// mirrorSearcher returns the Searcher of the mirror in dir for keys,
// opening it (and closing one for another directory or other keys) when
// needed.
func (c *tilesCache) mirrorSearcher(dir string, keys []proof.NoteKey) (*mirror.Searcher, error) {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID() + " " + k.Alg
	}
	id := strings.Join(ids, "\n")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.searcher != nil && c.searcherDir == dir && c.searcherKeys == id {
		return c.searcher, nil
	}
	sr, err := mirror.OpenSearcher(dir, keys)
	if err != nil {
		return nil, err
	}
	if c.searcher != nil {
		_ = c.searcher.Close() // a search still running on it fails and may be retried
	}
	c.searcher, c.searcherDir, c.searcherKeys = sr, dir, id
	return sr, nil
}

func (c *tilesCache) put(es []model.LogEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries)+len(es) > maxCachedEntries {
		c.entries = make(map[string]model.LogEntry, len(es))
	}
	for _, e := range es {
		c.entries[e.UUID] = e
	}
}

func (c *tilesCache) get(uuid string) (model.LogEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[strings.ToLower(uuid)]
	return e, ok
}

// isTiles says whether the backend reads a tiles log.
func (b *Backend) isTiles() bool { return b.log.Rekor == nil }

// mirrorHint is how to create the mirror the search needs.
func (b *Backend) mirrorHint() string {
	// A log named by its URL (no logs.json name) is given to mirror as
	// tiles+URL: a bare URL would name a Rekor v1 log.
	name := b.cfg.Log.Name
	if name == "" || strings.Contains(name, "://") {
		name = "tiles+" + b.cfg.Log.TilesPrefix()
	}
	hint := "run provscope mirror --log " + name
	if b.cfg.Log.PublicKey == "" {
		hint += " --key LOG-KEY.pem"
	}
	return hint
}

// searchTiles answers the explorer's search on a tiles log: a log index
// from the log itself, anything else from the log's mirror.
func (b *Backend) searchTiles(ctx context.Context, q string) (ui.SearchResult, error) {
	mq := mirror.Query{Limit: maxMirrorHits}
	what := ""
	switch {
	case isDecimal(q):
		idx, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return ui.SearchResult{}, fmt.Errorf("%w: parsing log index: %w", ui.ErrInvalidQuery, err)
		}
		e, err := b.log.EntryByIndex(ctx, idx)
		if err != nil {
			return ui.SearchResult{}, err
		}
		b.tiles.put([]model.LogEntry{*e})
		return ui.SearchResult{UUIDs: []string{e.UUID}}, nil
	case hex64.MatchString(q) || strings.HasPrefix(strings.ToLower(q), "sha256:"):
		h, err := mirror.NormalizeDigest(q)
		if err != nil || len(h) != 64 {
			return ui.SearchResult{}, fmt.Errorf("%w: digest %q: want sha256:<64 hex>", ui.ErrInvalidQuery, q)
		}
		mq.Digest, what = h, "digest sha256:"+h
	case isImageQuery(q): // a reference (a bare digest is searched above)
		return b.searchImage(ctx, q)
	case strings.HasPrefix(q, "-----BEGIN"), strings.HasSuffix(q, ".pem"), strings.HasSuffix(q, ".pub"):
		pemBytes := []byte(q)
		if !strings.HasPrefix(q, "-----BEGIN") {
			var err error
			if pemBytes, err = readKeyFile(b.cfg.Capabilities.ReadHostFiles, "ReadHostFiles", "reading public key file", q); err != nil {
				return ui.SearchResult{}, err
			}
		}
		pub, err := proof.ParsePublicKeyPEM(pemBytes)
		if err != nil {
			return ui.SearchResult{}, fmt.Errorf("%w: %w", ui.ErrInvalidQuery, err)
		}
		if mq.KeyFingerprint, err = proof.KeyFingerprint(pub); err != nil {
			return ui.SearchResult{}, fmt.Errorf("%w: %w", ui.ErrInvalidQuery, err)
		}
		what = "key sha256:" + mq.KeyFingerprint
	case hex80.MatchString(q):
		return ui.SearchResult{}, fmt.Errorf("%w: a tiles log's entries are named by their 64-hex leaf hash or log index, not an 80-hex Rekor v1 UUID", ui.ErrInvalidQuery)
	case isImageQuery(q):
		return ui.SearchResult{}, fmt.Errorf("%w: a tiles log is searched by digest (sha256:…), identity, key or log index; resolve the image to its digest first", ui.ErrInvalidQuery)
	default:
		// An identity or its start, as on a provscope Rekor log (the
		// mirror's prefix match is case-sensitive).
		mq.Subject, what = q, "identities starting with "+strconv.Quote(q)
		if !strings.HasSuffix(q, "*") {
			mq.Subject = q + "*"
		}
	}
	a, err := b.mirrorSearch(ctx, mq)
	if err != nil || a.note != "" {
		return ui.SearchResult{Note: a.note}, err
	}
	b.tiles.put(a.entries)
	uuids := make([]string, 0, len(a.entries))
	for _, e := range a.entries {
		uuids = append(uuids, e.UUID)
	}
	n := strconv.Itoa(len(a.entries))
	if a.more {
		n = "the first " + n
	}
	return ui.SearchResult{UUIDs: uuids, Note: fmt.Sprintf("%s entries from the mirror (%s), each proven against its checkpoint @ %d", n, what, a.size)}, nil
}

// mirrorAnswer is what the log's mirror answered.
type mirrorAnswer struct {
	entries []model.LogEntry
	// more says entries beyond maxMirrorHits were left out.
	more bool
	// size is that of the mirror's checkpoint every entry is proven
	// against.
	size uint64
	// note, when set, says why there is no answer (no mirror, or none
	// complete yet) and how to get one.
	note string
}

// openMirror returns the searcher of the log's mirror, verifying with the
// explorer's pinned log key (not one recorded in the mirror); without a
// complete mirror it returns none and a note saying how to make one.
func (b *Backend) openMirror(ctx context.Context) (*mirror.Searcher, string, error) {
	dir := b.cfg.MirrorDir
	if dir == "" || !mirror.Exists(dir) {
		return nil, "no mirror of this log: " + b.mirrorHint(), nil
	}
	info, err := mirror.ReadInfo(ctx, dir)
	if err != nil {
		return nil, "", err
	}
	if len(info.Complete) == 0 {
		return nil, "the mirror of this log is not complete yet: " + b.mirrorHint() + " (to the end)", nil
	}
	if o := b.cfg.Log.Origin; o != "" && info.Origin != o {
		return nil, "", fmt.Errorf("the mirror in %s follows log %q, not %q", dir, info.Origin, o)
	}
	keys, err := b.log.NoteKeys(string(info.Complete))
	if err != nil {
		return nil, "", fmt.Errorf("the mirror's checkpoint: %w", err)
	}
	sr, err := b.tiles.mirrorSearcher(dir, keys)
	if err != nil {
		return nil, "", fmt.Errorf("searching the mirror %s: %w", dir, err)
	}
	return sr, "", nil
}

// mirrorSearch runs q on the log's mirror.
func (b *Backend) mirrorSearch(ctx context.Context, q mirror.Query) (mirrorAnswer, error) {
	sr, note, err := b.openMirror(ctx)
	if sr == nil || err != nil {
		return mirrorAnswer{note: note}, err
	}
	dir := b.cfg.MirrorDir
	res, err := sr.Search(ctx, q)
	if err != nil {
		return mirrorAnswer{}, fmt.Errorf("searching the mirror %s: %w", dir, err)
	}
	if res.Checkpoint.Size > math.MaxInt64 {
		return mirrorAnswer{}, fmt.Errorf("the mirror's checkpoint size %d is out of range", res.Checkpoint.Size)
	}
	a := mirrorAnswer{more: res.More, size: res.Checkpoint.Size}
	for _, h := range res.Hits {
		e, err := mirror.HitEntry(h, res.Checkpoint)
		if err != nil {
			continue // unreachable: below the checkpoint size
		}
		a.entries = append(a.entries, e)
	}
	return a, nil
}

// entriesTiles returns entries a tiles-log search returned.
func (b *Backend) entriesTiles(uuids []string) ([]model.LogEntry, error) {
	out := make([]model.LogEntry, 0, len(uuids))
	for _, u := range uuids {
		e, ok := b.tiles.get(u)
		if !ok {
			return nil, fmt.Errorf("entry %s: not among the entries searched for: search again", u)
		}
		out = append(out, e)
	}
	return out, nil
}

// entriesForTiles finds an image's entries in the log's mirror: by the
// image digest and each attachment's payload digest.
func (b *Backend) entriesForTiles(ctx context.Context, hashes []string) ([]model.LogEntry, error) {
	seen := map[string]bool{}
	var out []model.LogEntry
	for _, h := range hashes {
		d, err := mirror.NormalizeDigest(h)
		if err != nil {
			continue
		}
		a, err := b.mirrorSearch(ctx, mirror.Query{Digest: d, Limit: maxMirrorHits})
		if err != nil {
			return nil, err
		}
		if a.note != "" {
			return nil, errors.New(a.note)
		}
		for _, e := range a.entries {
			if !seen[e.UUID] {
				seen[e.UUID] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// logInfoTiles is a tiles log's head: its checkpoint, verified with the
// log's key.
func (b *Backend) logInfoTiles(ctx context.Context) (model.LogInfo, error) {
	note, err := b.log.Tiles.Checkpoint(ctx)
	if err != nil {
		return model.LogInfo{}, fmt.Errorf("fetching the checkpoint: %w", err)
	}
	cp, err := b.log.VerifyNote(string(note))
	if err != nil {
		return model.LogInfo{}, fmt.Errorf("verifying the checkpoint: %w", err)
	}
	if cp.Size > math.MaxInt64 {
		return model.LogInfo{}, fmt.Errorf("checkpoint size %d is out of range", cp.Size)
	}
	return model.LogInfo{TreeSize: int64(cp.Size), RootHash: cp.RootHash, SignedTreeHead: string(note)}, nil //nolint:gosec // G115: checked <= MaxInt64
}
