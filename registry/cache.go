package registry

import (
	"container/list"
	"context"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultManifestCacheEntries bounds the per-client manifest cache when
// Config.ManifestCacheEntries is zero.
const DefaultManifestCacheEntries = 256

// fetchedManifest is a manifest as fetched: its media type, digest and bytes.
type fetchedManifest struct {
	mediaType types.MediaType
	digest    v1.Hash
	raw       []byte
}

// manifestCache is a bounded LRU of manifests keyed by "repository@digest".
// A manifest is immutable under its digest, and go-containerregistry
// computes the digest from the bytes it read, so a cached manifest is the
// one a fresh GET would return; keying by repository too keeps a digest
// found in one repository from appearing to exist in another.
type manifestCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type cacheEntry struct {
	key string
	m   fetchedManifest
}

func newManifestCache(n int) *manifestCache {
	return &manifestCache{max: n, ll: list.New(), items: map[string]*list.Element{}}
}

func cacheKey(repo name.Repository, digest string) string { return repo.Name() + "@" + digest }

func (c *manifestCache) get(key string) (fetchedManifest, bool) {
	if c.max <= 0 {
		return fetchedManifest{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return fetchedManifest{}, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).m, true
}

func (c *manifestCache) put(key string, m fetchedManifest) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		e.Value.(*cacheEntry).m = m
		return
	}
	c.items[key] = c.ll.PushFront(&cacheEntry{key: key, m: m})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
}

// getManifest GETs the manifest ref names, from the cache when ref is a
// digest already fetched from its repository. Every manifest fetched is
// cached under its digest, so resolving a tag and then reading the same
// image by digest costs one GET (one "pull" on Docker Hub).
func (c *Client) getManifest(ctx context.Context, ref name.Reference) (fetchedManifest, error) {
	if d, ok := ref.(name.Digest); ok {
		if m, ok := c.cache.get(cacheKey(d.Context(), d.DigestStr())); ok {
			return m, nil
		}
	}
	desc, err := remote.Get(ref, c.options(ctx)...)
	if err != nil {
		return fetchedManifest{}, classify(err)
	}
	if int64(len(desc.Manifest)) > c.cfg.MaxManifestBytes {
		return fetchedManifest{}, &TooLargeError{What: "manifest " + ref.String(), Size: int64(len(desc.Manifest)), Limit: c.cfg.MaxManifestBytes}
	}
	m := fetchedManifest{mediaType: desc.MediaType, digest: desc.Digest, raw: desc.Manifest}
	if desc.MediaType != types.DockerManifestSchema1Signed {
		// A signed schema 1 digest comes from a header, not the bytes.
		c.cache.put(cacheKey(ref.Context(), desc.Digest.String()), m)
	}
	return m, nil
}
