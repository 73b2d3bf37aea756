package mirror

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/provscope/provscope/rekor/tiles"
)

// maxResource bounds one fetched resource: a full entry bundle holds 256
// entries of at most 64 KiB each.
const maxResource = tileWidth*(1<<16+2) + 1

// HTTPFetcher returns a fetcher reading a tiles log under prefix (for Rekor
// v2 and `provscope serve`, the base URL + "/api/v2"). It hands back the
// served bytes as they are, so that a mirror can keep them as evidence;
// 404 is tiles.ErrNotFound, and 429 and 5xx answers are retried three
// times with backoff. hc nil means a client with a 30s timeout.
func HTTPFetcher(prefix string, hc *http.Client, userAgent string) (tiles.Fetcher, error) {
	u, err := url.Parse(strings.TrimRight(prefix, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing tiles prefix %q: %w", prefix, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tiles prefix %q: want http(s)://host[/path]", prefix)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	base := u.String()
	return func(ctx context.Context, p string) ([]byte, error) {
		for attempt := 0; ; attempt++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+p, nil)
			if err != nil {
				return nil, fmt.Errorf("fetching %s: %w", p, err)
			}
			if userAgent != "" {
				req.Header.Set("User-Agent", userAgent)
			}
			resp, err := hc.Do(req)
			if err != nil {
				return nil, fmt.Errorf("fetching %s: %w", p, err)
			}
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResource))
			_ = resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				if rerr != nil {
					return nil, fmt.Errorf("fetching %s: %w", p, rerr)
				}
				if len(b) >= maxResource {
					return nil, fmt.Errorf("fetching %s: response exceeds %d bytes", p, maxResource-1)
				}
				return b, nil
			case resp.StatusCode == http.StatusNotFound:
				return nil, fmt.Errorf("fetching %s: %w", p, tiles.ErrNotFound)
			case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) && attempt < 3:
				t := time.NewTimer(250 * time.Millisecond << attempt)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil, fmt.Errorf("fetching %s: %w", p, ctx.Err())
				case <-t.C:
				}
			default:
				return nil, fmt.Errorf("fetching %s: status %d", p, resp.StatusCode)
			}
		}
	}, nil
}
