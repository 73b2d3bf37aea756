package inspect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/mirror"
)

// EntryIndex is where About looks entries up: a Rekor v1 log's search
// index and tree (RekorIndex), or a tiles log's mirror (MirrorIndex),
// which answers from mirrored entries it verified, each with its
// inclusion proof up to the mirror's signed checkpoint.
type EntryIndex interface {
	// Describe names the source in reports.
	Describe() string
	// SubjectIndex says whether SearchHash finds entries by an in-toto
	// subject digest (Rekor v1's index does; a mirror's cannot: canonical
	// entries do not keep the payload).
	SubjectIndex() bool
	// SearchHash returns the IDs of the entries listed under hash
	// ("sha256:<hex>").
	SearchHash(ctx context.Context, hash string) ([]string, error)
	// EntryFor returns the log's entry whose body is entryBody.
	EntryFor(ctx context.Context, entryBody []byte) (*model.LogEntry, error)
	// Retrieve returns the entries with these IDs.
	Retrieve(ctx context.Context, uuids []string) ([]model.LogEntry, error)
}

// RekorIndex is a Rekor v1 log's search API and tree.
type RekorIndex struct{ Log *Log }

// Describe returns the log's URL.
func (r RekorIndex) Describe() string { return r.Log.Def.URL }

// SubjectIndex is true: Rekor indexes in-toto subjects.
func (RekorIndex) SubjectIndex() bool { return true }

// SearchHash asks the log's index.
func (r RekorIndex) SearchHash(ctx context.Context, hash string) ([]string, error) {
	return r.Log.Rekor.Search(ctx, client.SearchQuery{Hash: hash})
}

// EntryFor asks the log's tree for the entry by its leaf hash.
func (r RekorIndex) EntryFor(ctx context.Context, entryBody []byte) (*model.LogEntry, error) {
	return r.Log.Rekor.EntryByUUID(ctx, hex.EncodeToString(proof.LeafHash(entryBody)))
}

// Retrieve fetches the entries.
func (r RekorIndex) Retrieve(ctx context.Context, uuids []string) ([]model.LogEntry, error) {
	return r.Log.Rekor.Retrieve(ctx, uuids, nil)
}

// MirrorIndex answers About from a tiles log's mirror (rekor/mirror): every
// entry it returns was read from the verified mirrored bundles, and its
// inclusion proof computed from the mirrored tiles and verified against
// the mirror's checkpoint, which Searcher verified with the log's key.
type MirrorIndex struct {
	Searcher *mirror.Searcher
	// Name names the mirror in reports (its directory and log).
	Name string

	mu    sync.Mutex
	found map[string]model.LogEntry // by entry ID (leaf hash)
}

// Describe returns the mirror's name.
func (m *MirrorIndex) Describe() string { return m.Name }

// SubjectIndex is false: a mirror indexes what the entries record, and
// canonical entries do not keep the in-toto payload.
func (*MirrorIndex) SubjectIndex() bool { return false }

// SearchHash searches the mirror by digest.
func (m *MirrorIndex) SearchHash(ctx context.Context, hash string) ([]string, error) {
	res, err := m.Searcher.Search(ctx, mirror.Query{Digest: hash, Limit: maxAboutEntries})
	if err != nil {
		return nil, err
	}
	return m.keep(res), nil
}

// EntryFor finds the entry whose body is entryBody: searched by the
// digests the body records, kept only when its leaf hash is entryBody's.
func (m *MirrorIndex) EntryFor(ctx context.Context, entryBody []byte) (*model.LogEntry, error) {
	b, err := body.Decode(entryBody)
	if err != nil {
		return nil, fmt.Errorf("reading the entry to look up: %w", err)
	}
	leaf := hex.EncodeToString(proof.LeafHash(entryBody))
	if e, ok := m.lookup(leaf); ok {
		return e, nil // an earlier search of this About found and proved it
	}
	for _, d := range []body.Digest{b.ArtifactDigest, b.PayloadHash, b.EnvelopeHash} {
		if d.Hex == "" {
			continue
		}
		res, err := m.Searcher.Search(ctx, mirror.Query{Digest: d.Hex, Limit: maxAboutEntries})
		if err != nil {
			return nil, err
		}
		m.keep(res)
		if e, ok := m.lookup(leaf); ok {
			return e, nil
		}
	}
	return nil, fmt.Errorf("entry %s: %w", leaf, client.ErrNotFound)
}

// lookup returns the entry with this ID (leaf hash) a search found.
func (m *MirrorIndex) lookup(id string) (*model.LogEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.found[id]
	return &e, ok
}

// Retrieve returns entries the mirror found before (SearchHash, EntryFor).
func (m *MirrorIndex) Retrieve(_ context.Context, uuids []string) ([]model.LogEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]model.LogEntry, 0, len(uuids))
	for _, u := range uuids {
		e, ok := m.found[strings.ToLower(u)]
		if !ok {
			return nil, fmt.Errorf("entry %s was not found in the mirror", u)
		}
		out = append(out, e)
	}
	return out, nil
}

func (m *MirrorIndex) keep(res *mirror.SearchResult) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.found == nil {
		m.found = map[string]model.LogEntry{}
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		e, err := mirror.HitEntry(h, res.Checkpoint)
		if err != nil {
			continue // unreachable: a hit lies below its checkpoint's size
		}
		m.found[e.UUID] = e
		ids = append(ids, e.UUID)
	}
	return ids
}

// errNoIndex is About without a place to look.
var errNoIndex = errors.New("finding entries needs a Rekor v1 log's search index or a tiles log's mirror (provscope mirror); tlog-tiles logs have no search API")
