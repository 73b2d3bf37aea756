// Package tiles reads C2SP tiled transparency logs
// (https://c2sp.org/tlog-tiles), such as Rekor v2 and `provscope serve`'s
// /api/v2: the checkpoint, Merkle tree tiles (full and partial), entry
// bundles, single entries, and inclusion and consistency proofs computed
// from tiles.
//
// It only fetches and parses. The proofs it assembles are computed from
// untrusted tiles; verifying them against a checkpoint whose signature was
// verified is proof/'s job. Tiles are fetched through a Fetcher, so HTTP,
// files and fakes plug in alike (as in tessera's client.TileFetcherFunc).
package tiles

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	judge "github.com/provscope/provscope/proof"
)

// TileWidth is the number of hashes in a full tile and entries in a full
// bundle; TileHeight is the number of tree levels one tile spans.
const (
	TileWidth  = 256
	TileHeight = 8
	hashSize   = sha256.Size
)

// Fetcher returns the resource at path (relative to the log's prefix, such
// as "checkpoint" or "tile/0/x001/234"), or an error wrapping ErrNotFound.
type Fetcher func(ctx context.Context, path string) ([]byte, error)

// ErrNotFound is returned (wrapped) for a resource the log does not have.
var ErrNotFound = errors.New("not found in the log")

// Client reads one tiled log. It is safe for concurrent use.
type Client struct{ fetch Fetcher }

// New returns a client reading through fetch.
func New(fetch Fetcher) *Client { return &Client{fetch: fetch} }

// HTTPConfig says how to reach a tiled log over HTTP.
type HTTPConfig struct {
	// Prefix is the log's URL prefix: for Rekor v2 and `provscope serve`,
	// the base URL + "/api/v2".
	Prefix string
	// HTTPClient is used for every request; nil means a new client.
	HTTPClient *http.Client
	// Timeout bounds each request; 0 means 30s.
	Timeout time.Duration
	// MaxRetries retries 429 and 5xx answers with backoff; 0 means 3,
	// negative never.
	MaxRetries int
	// RetryWait is the first backoff; 0 means 250ms. A Retry-After answer
	// (in seconds) is honoured instead, up to maxRetryWait.
	RetryWait time.Duration
	// UserAgent is sent with every request when set.
	UserAgent string
}

// maxRetryWait caps any one wait before a retry.
const maxRetryWait = 10 * time.Second

// maxResource bounds any one resource: a full tile is 8 KiB; an entry
// bundle holds 256 entries of at most 64 KiB each.
const maxResource = TileWidth*(1<<16+2) + 1

// NewHTTP returns a client fetching over HTTP.
func NewHTTP(cfg HTTPConfig) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Prefix, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing tiles prefix %q: %w", cfg.Prefix, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tiles prefix %q: want http(s)://host[/path]", cfg.Prefix)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	retries := cfg.MaxRetries
	if retries == 0 {
		retries = 3
	}
	wait := cfg.RetryWait
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	prefix := u.String()
	return New(func(ctx context.Context, path string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		for attempt := 0; ; attempt++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, prefix+"/"+path, nil)
			if err != nil {
				return nil, fmt.Errorf("fetching %s: %w", path, err)
			}
			if cfg.UserAgent != "" {
				req.Header.Set("User-Agent", cfg.UserAgent)
			}
			resp, err := hc.Do(req)
			if err != nil {
				return nil, fmt.Errorf("fetching %s: %w", path, err)
			}
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResource))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				if rerr != nil {
					return nil, fmt.Errorf("fetching %s: %w", path, rerr)
				}
				if len(body) >= maxResource {
					return nil, fmt.Errorf("fetching %s: response exceeds %d bytes", path, maxResource-1)
				}
				return body, nil
			case resp.StatusCode == http.StatusNotFound:
				return nil, fmt.Errorf("fetching %s: %w", path, ErrNotFound)
			case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) && attempt < retries:
				d := wait << attempt
				if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
					d = time.Duration(secs) * time.Second
				}
				t := time.NewTimer(min(d, maxRetryWait))
				select {
				case <-ctx.Done():
					t.Stop()
					return nil, fmt.Errorf("fetching %s: %w", path, ctx.Err())
				case <-t.C:
				}
			default:
				return nil, fmt.Errorf("fetching %s: status %d", path, resp.StatusCode)
			}
		}
	}), nil
}

// Checkpoint fetches the log's signed checkpoint note, unverified.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	b, err := c.fetch(ctx, "checkpoint")
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("fetching checkpoint: empty response")
	}
	return b, nil
}

// TilePath returns the C2SP path of the tile at level and index, of width
// hashes (TileWidth for a full tile), such as "tile/0/x001/x234/067.p/8".
func TilePath(level, index, width uint64) string {
	return "tile/" + fmt.Sprint(level) + "/" + indexPath(index, width)
}

// EntriesPath returns the C2SP path of an entry bundle, such as
// "tile/entries/x001/234.p/3".
func EntriesPath(index, width uint64) string { return "tile/entries/" + indexPath(index, width) }

func indexPath(index, width uint64) string {
	s := fmt.Sprintf("%03d", index%1000)
	for index >= 1000 {
		index /= 1000
		s = fmt.Sprintf("x%03d/", index%1000) + s
	}
	if width < TileWidth {
		s += fmt.Sprintf(".p/%d", width)
	}
	return s
}

// Tile fetches the tile at level and index holding width hashes. A log may
// serve a full tile in place of a partial one; the first width hashes are
// returned.
func (c *Client) Tile(ctx context.Context, level, index, width uint64) ([][]byte, error) {
	if width == 0 || width > TileWidth {
		return nil, fmt.Errorf("tile width %d: want 1..%d", width, TileWidth)
	}
	b, err := c.fetch(ctx, TilePath(level, index, width))
	if errors.Is(err, ErrNotFound) && width < TileWidth {
		// The partial tile may have been completed since.
		b, err = c.fetch(ctx, TilePath(level, index, TileWidth))
	}
	if err != nil {
		return nil, err
	}
	if len(b)%hashSize != 0 || uint64(len(b)/hashSize) < width {
		return nil, fmt.Errorf("tile %d/%d is %d bytes, want %d", level, index, len(b), width*hashSize)
	}
	out := make([][]byte, width)
	for i := range out {
		out[i] = b[i*hashSize : (i+1)*hashSize]
	}
	return out, nil
}

// EntryBundle fetches the entry bundle at index holding width entries and
// splits it (each entry is a big-endian uint16 length and the bytes).
func (c *Client) EntryBundle(ctx context.Context, index, width uint64) ([][]byte, error) {
	if width == 0 || width > TileWidth {
		return nil, fmt.Errorf("entry bundle width %d: want 1..%d", width, TileWidth)
	}
	b, err := c.fetch(ctx, EntriesPath(index, width))
	if errors.Is(err, ErrNotFound) && width < TileWidth {
		b, err = c.fetch(ctx, EntriesPath(index, TileWidth))
	}
	if err != nil {
		return nil, err
	}
	entries, err := ParseBundle(b)
	if err != nil {
		return nil, fmt.Errorf("parsing entry bundle %d: %w", index, err)
	}
	if uint64(len(entries)) < width {
		return nil, fmt.Errorf("entry bundle %d holds %d entries, want %d", index, len(entries), width)
	}
	return entries[:width], nil
}

// ParseBundle splits an entry bundle into its entries.
func ParseBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("truncated length prefix after %d entries", len(out))
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if len(b) < n {
			return nil, fmt.Errorf("entry %d is %d bytes, only %d left", len(out), n, len(b))
		}
		out = append(out, b[:n])
		b = b[n:]
		if len(out) > TileWidth {
			return nil, fmt.Errorf("bundle holds more than %d entries", TileWidth)
		}
	}
	return out, nil
}

// Entry fetches entry index of a tree of size treeSize.
func (c *Client) Entry(ctx context.Context, index, treeSize uint64) ([]byte, error) {
	if index >= treeSize {
		return nil, fmt.Errorf("entry index %d: want < tree size %d", index, treeSize)
	}
	bundle := index / TileWidth
	width := min(treeSize-bundle*TileWidth, TileWidth)
	entries, err := c.EntryBundle(ctx, bundle, width)
	if err != nil {
		return nil, err
	}
	return entries[index%TileWidth], nil
}

// NodeHash returns the hash of the perfect node at (level, index) of a tree
// of size treeSize, read from the tile that holds it and hashed up inside
// the tile when the node lies between tile levels.
func (c *Client) NodeHash(ctx context.Context, level uint, index, treeSize uint64) ([]byte, error) {
	if level >= 64 || (index+1)<<level > treeSize || (index+1)<<level < index {
		return nil, fmt.Errorf("node (%d,%d) is not a perfect node of a tree of size %d", level, index, treeSize)
	}
	tileLevel := uint64(level / TileHeight)
	sub := level % TileHeight
	base := tileLevel * TileHeight
	first := index << sub // index of the first covered node at level base
	count := uint64(1) << sub
	tileIndex := first / TileWidth
	levelSize := treeSize >> base
	width := min(levelSize-tileIndex*TileWidth, TileWidth)
	hashes, err := c.Tile(ctx, tileLevel, tileIndex, width)
	if err != nil {
		return nil, err
	}
	off := first % TileWidth
	if off+count > uint64(len(hashes)) {
		return nil, fmt.Errorf("tile %d/%d has %d hashes, node (%d,%d) needs %d", tileLevel, tileIndex, len(hashes), level, index, off+count)
	}
	return judge.SubtreeRoot(hashes[off : off+count]), nil
}

// InclusionProof computes the RFC 6962 inclusion proof for leaf index in a
// tree of size treeSize from the log's tiles. Requires index < treeSize.
func (c *Client) InclusionProof(ctx context.Context, index, treeSize uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, treeSize)
	if err != nil {
		return nil, fmt.Errorf("planning inclusion proof: %w", err)
	}
	return c.rehash(ctx, nodes, treeSize)
}

// ConsistencyProof computes the RFC 6962 consistency proof between tree
// sizes size1 and size2 from the log's tiles. Requires size1 <= size2.
func (c *Client) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("planning consistency proof: %w", err)
	}
	return c.rehash(ctx, nodes, size2)
}

func (c *Client) rehash(ctx context.Context, nodes proof.Nodes, treeSize uint64) ([][]byte, error) {
	hashes := make([][]byte, len(nodes.IDs))
	cache := map[compact.NodeID][]byte{}
	for i, id := range nodes.IDs {
		if h, ok := cache[id]; ok {
			hashes[i] = h
			continue
		}
		h, err := c.NodeHash(ctx, id.Level, id.Index, treeSize)
		if err != nil {
			return nil, fmt.Errorf("reading node (%d,%d): %w", id.Level, id.Index, err)
		}
		cache[id] = h
		hashes[i] = h
	}
	out, err := nodes.Rehash(hashes, judge.NodeHash)
	if err != nil {
		return nil, fmt.Errorf("assembling proof: %w", err)
	}
	return out, nil
}

// ParseCheckpointSize reads the tree size from a checkpoint note's second
// line, without verifying anything (so a caller can plan fetches before
// proof/ verifies the note).
func ParseCheckpointSize(note []byte) (origin string, size uint64, err error) {
	lines := strings.SplitN(string(note), "\n", 4)
	if len(lines) < 3 {
		return "", 0, errors.New("checkpoint has fewer than 3 lines")
	}
	if _, err := fmt.Sscanf(lines[1], "%d", &size); err != nil || fmt.Sprint(size) != lines[1] {
		return "", 0, fmt.Errorf("checkpoint size line %q is not a decimal number", lines[1])
	}
	return lines[0], size, nil
}
