package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// DefaultMaxTagPages bounds ListTags when Config.MaxTagPages is zero.
const DefaultMaxTagPages = 100

// CatalogUnavailableError reports a registry that will not list its
// repositories (GET /v2/_catalog): ghcr.io and Docker Hub answer 404
// UNSUPPORTED, others 401 or 403 whatever the credentials. Repositories
// there are opened by name (Tags, ListTags); nothing is wrong with the
// registry.
type CatalogUnavailableError struct {
	Host string
	// StatusCode is the registry's answer: 404 unsupported, 401/403 refused.
	StatusCode int
	Err        error
}

// Refused reports whether the registry refused the catalog (401/403) rather
// than not offering it.
func (e *CatalogUnavailableError) Refused() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

func (e *CatalogUnavailableError) Error() string {
	why := "does not offer a repository catalog"
	if e.Refused() {
		why = "refuses to list its repositories"
	}
	return fmt.Sprintf("registry %s %s (http %d): open a repository by name (host/path)", e.Host, why, e.StatusCode)
}

func (e *CatalogUnavailableError) Unwrap() error { return e.Err }

// catalogError turns a catalog failure into *CatalogUnavailableError when the
// registry's answer means "no catalog here" rather than a failure.
func catalogError(host string, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	switch te.StatusCode {
	case http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed:
		return &CatalogUnavailableError{Host: host, StatusCode: te.StatusCode, Err: err}
	}
	for _, d := range te.Errors {
		if d.Code == transport.UnsupportedErrorCode || d.Code == transport.DeniedErrorCode || d.Code == transport.UnauthorizedErrorCode {
			return &CatalogUnavailableError{Host: host, StatusCode: te.StatusCode, Err: err}
		}
	}
	return err
}

// TagListing is every tag of one repository, as far as it was listed.
type TagListing struct {
	// Repository is the repository's full name ("host/path").
	Repository string
	// Tags are the names in the registry's order; they are foreign text
	// (sanitise before display; ValidTag says which are well formed).
	Tags []string
	// Pages is the number of pages read.
	Pages int
	// Truncated says the registry announced more pages than
	// Config.MaxTagPages allows (or a next page on another host); Tags is
	// then a prefix of the listing.
	Truncated bool
}

// ListTags lists the tags of the named repository repo ("host[:port]/path")
// without the catalog: GET /v2/<path>/tags/list?n=PageSize, then each page
// the registry's Link: <…>; rel="next" header names, at most
// Config.MaxTagPages pages. It works on registries that refuse _catalog
// (ghcr.io, Docker Hub). A next link to another host or scheme is not
// followed (the listing is marked Truncated), so no credential leaves the
// registry.
func (c *Client) ListTags(ctx context.Context, repo string) (TagListing, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	r, err := name.NewRepository(repo, c.nameOptions()...)
	if err != nil {
		return TagListing{}, fmt.Errorf("parsing repository %q: %w", repo, err)
	}
	hc, err := c.repoHTTPClient(ctx, r)
	if err != nil {
		return TagListing{}, fmt.Errorf("listing tags of %s: %w", repo, err)
	}
	out := TagListing{Repository: r.Name()}
	q := url.Values{"n": {strconv.Itoa(c.cfg.PageSize)}}
	u := &url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: "/v2/" + r.RepositoryStr() + "/tags/list", RawQuery: q.Encode()}
	seen := map[string]bool{}
	for u != nil {
		if out.Pages >= c.cfg.MaxTagPages {
			out.Truncated = true
			break
		}
		if seen[u.String()] {
			break // a registry sending the same page again has no more
		}
		seen[u.String()] = true
		tags, next, err := c.fetchTagPage(ctx, hc, u)
		if err != nil {
			return out, fmt.Errorf("listing tags of %s (page %d): %w", repo, out.Pages+1, err)
		}
		out.Pages++
		out.Tags = append(out.Tags, tags...)
		if next != nil && (next.Host != u.Host || next.Scheme != u.Scheme) {
			out.Truncated = true
			break
		}
		u = next
	}
	return out, nil
}

// repoHTTPClient returns an HTTP client authorised to pull from r (bearer
// token or basic credentials from the keychain, anonymous when none).
func (c *Client) repoHTTPClient(ctx context.Context, r name.Repository) (*http.Client, error) {
	auth, err := authn.Resolve(ctx, c.cfg.Keychain, r)
	if err != nil {
		return nil, fmt.Errorf("resolving credentials: %w", err)
	}
	rt, err := transport.NewWithContext(ctx, r.Registry, auth, c.rt, []string{r.Scope(transport.PullScope)})
	if err != nil {
		return nil, classify(err)
	}
	rt = transport.NewRetry(rt, transport.WithRetryBackoff(c.cfg.Retry), transport.WithRetryStatusCodes(retryStatusCodes...))
	return &http.Client{Transport: rt}, nil
}

// fetchTagPage GETs one tag page and returns its tags and the next page's
// URL (nil on the last page).
func (c *Client) fetchTagPage(ctx context.Context, hc *http.Client, u *url.URL) ([]string, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, nil, classify(err)
	}
	var tl struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, c.cfg.MaxManifestBytes)).Decode(&tl); err != nil {
		return nil, nil, fmt.Errorf("decoding tag list: %w", err)
	}
	next, err := nextLink(u, resp.Header.Values("Link"))
	if err != nil {
		return nil, nil, err
	}
	return tl.Tags, next, nil
}

// nextLink finds the rel="next" target among Link header values (RFC 8288),
// resolved against base. None is (nil, nil).
func nextLink(base *url.URL, values []string) (*url.URL, error) {
	for _, v := range values {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			isNext := false
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.Trim(val, `"`) == "next" {
					isNext = true
				}
			}
			if !isNext {
				continue
			}
			ref, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				return nil, fmt.Errorf("parsing next link %q: %w", target, err)
			}
			return base.ResolveReference(ref), nil
		}
	}
	return nil, nil
}
