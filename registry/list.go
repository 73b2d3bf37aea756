package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// Page is one page of a listing. Next is the value to pass as last for the
// following page; it is empty on the final page.
type Page[T any] struct {
	Items []T
	Next  string
}

// Repositories lists one page of the registry's catalog (at most
// Config.PageSize names) after last ("" for the first page). host is
// "host[:port]". A registry without a catalog (ghcr.io, Docker Hub) yields
// an error wrapping *CatalogUnavailableError: its repositories are opened
// by name with Tags or ListTags.
func (c *Client) Repositories(ctx context.Context, host, last string) (Page[model.Repository], error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	reg, err := name.NewRegistry(host, c.nameOptions()...)
	if err != nil {
		return Page[model.Repository]{}, fmt.Errorf("parsing registry %q: %w", host, err)
	}
	names, err := remote.CatalogPage(reg, last, c.cfg.PageSize, c.options(ctx)...)
	if err != nil {
		return Page[model.Repository]{}, fmt.Errorf("listing repositories of %s: %w", host, classify(catalogError(host, err)))
	}
	names, next := c.pageAfter(names, last)
	p := Page[model.Repository]{Items: make([]model.Repository, 0, len(names)), Next: next}
	for _, n := range names {
		p.Items = append(p.Items, model.Repository{Registry: reg.RegistryStr(), Name: n})
	}
	return p, nil
}

// Tags lists one page of repo's tags (at most Config.PageSize) after last
// ("" for the first page), each resolved to its digest with a HEAD request.
// A tag that cannot be resolved keeps its name and carries Err; a tag whose
// name breaks the OCI grammar (ValidTag) keeps its exact name, is not
// resolved and carries InvalidTagErr. repo is "host[:port]/path".
func (c *Client) Tags(ctx context.Context, repo, last string) (Page[model.Tag], error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	r, err := name.NewRepository(repo, c.nameOptions()...)
	if err != nil {
		return Page[model.Tag]{}, fmt.Errorf("parsing repository %q: %w", repo, err)
	}
	names, err := c.tagsPage(ctx, r, last)
	if err != nil {
		return Page[model.Tag]{}, fmt.Errorf("listing tags of %s: %w", repo, err)
	}
	names, next := c.pageAfter(names, last)
	p := Page[model.Tag]{Items: make([]model.Tag, len(names)), Next: next}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, n := range names {
		p.Items[i] = model.Tag{Repository: r.Name(), Name: n}
		if !ValidTag(n) {
			// Hostile or broken: flag it, and send none of it to the
			// registry in a URL.
			p.Items[i].Err = InvalidTagErr
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			desc, err := remote.Head(r.Tag(n), c.options(ctx)...)
			if err != nil {
				p.Items[i].Err = safetext.Line(fmt.Sprintf("resolving tag %s: %v", n, classify(err)))
				return
			}
			p.Items[i].Digest = desc.Digest.String()
		})
	}
	wg.Wait()
	return p, nil
}

// pageAfter defends against registries that ignore "last" or do not sort:
// it keeps the names after last, sorted, and offers a next page only when
// the page was full and made progress.
func (c *Client) pageAfter(names []string, last string) ([]string, string) {
	full := len(names) >= c.cfg.PageSize
	kept := names[:0:0]
	for _, n := range names {
		if last == "" || n > last {
			kept = append(kept, n)
		}
	}
	sort.Strings(kept)
	if !full || len(kept) == 0 {
		return kept, ""
	}
	return kept, kept[len(kept)-1]
}

// tagsPage issues GET /v2/<repo>/tags/list?n=&last= itself, so that a page
// can be asked for by its last tag (go-containerregistry only follows Link
// headers).
func (c *Client) tagsPage(ctx context.Context, r name.Repository, last string) ([]string, error) {
	hc, err := c.repoHTTPClient(ctx, r)
	if err != nil {
		return nil, err
	}
	q := url.Values{"n": {strconv.Itoa(c.cfg.PageSize)}}
	if last != "" {
		q.Set("last", last)
	}
	u := url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: "/v2/" + r.RepositoryStr() + "/tags/list", RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, classify(err)
	}
	var tl struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, c.cfg.MaxManifestBytes)).Decode(&tl); err != nil {
		return nil, fmt.Errorf("decoding tag list: %w", err)
	}
	return tl.Tags, nil
}
