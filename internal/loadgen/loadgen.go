// Package loadgen drives a Rekor v1 compatible log over HTTP with valid,
// distinct, signed hashedrekord 0.0.1 entries and measures write throughput
// and read latency. It backs scripts/bench-log.sh and the log's tests.
package loadgen

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Generator makes signed hashedrekord entries over distinct artifacts.
type Generator struct {
	key    *ecdsa.PrivateKey
	pubB64 string
	prefix string
}

// NewGenerator returns a generator with a fresh ECDSA P-256 signing key.
// Artifacts are "<prefix>-<i>", so two generators with different prefixes
// never collide.
func NewGenerator(prefix string) (*Generator, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	pemBytes, err := cryptoutils.MarshalPublicKeyToPEM(key.Public())
	if err != nil {
		return nil, fmt.Errorf("encoding signing key: %w", err)
	}
	return &Generator{key: key, pubB64: base64.StdEncoding.EncodeToString(pemBytes), prefix: prefix}, nil
}

// PublicKeyPEM returns the generator's public key.
func (g *Generator) PublicKeyPEM() []byte {
	b, _ := base64.StdEncoding.DecodeString(g.pubB64)
	return b
}

// Artifact returns the bytes of artifact i.
func (g *Generator) Artifact(i int) []byte {
	return []byte(g.prefix + "-" + strconv.Itoa(i))
}

// Digest returns the hex SHA-256 of artifact i.
func (g *Generator) Digest(i int) string {
	d := sha256.Sum256(g.Artifact(i))
	return hex.EncodeToString(d[:])
}

// Entry returns the JSON of a proposed hashedrekord entry for artifact i.
func (g *Generator) Entry(i int) ([]byte, error) {
	d := sha256.Sum256(g.Artifact(i))
	sig, err := ecdsa.SignASN1(rand.Reader, g.key, d[:])
	if err != nil {
		return nil, fmt.Errorf("signing artifact %d: %w", i, err)
	}
	return fmt.Appendf(nil, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"%s"}},"signature":{"content":"%s","publicKey":{"content":"%s"}}}}`,
		hex.EncodeToString(d[:]), base64.StdEncoding.EncodeToString(sig), g.pubB64), nil
}

// Entries returns entries [from, to), generated on all CPUs.
func (g *Generator) Entries(from, to int) ([][]byte, error) {
	out := make([][]byte, to-from)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	workers := 4
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := from + w; i < to; i += workers {
				e, err := g.Entry(i)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				out[i-from] = e
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return nil, err
	}
	return out, nil
}

// Client posts to and reads from one log.
type Client struct {
	URL  string // base URL, e.g. http://127.0.0.1:3000
	HTTP *http.Client
}

// NewClient returns a client with connection reuse sized for concurrency.
func NewClient(url string, concurrency int) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = concurrency * 2
	tr.MaxConnsPerHost = concurrency * 2
	return &Client{URL: url, HTTP: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, want ...int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", method, path, err)
	}
	if !slices.Contains(want, resp.StatusCode) {
		return nil, fmt.Errorf("%s %s: status %d, want %v: %.200s", method, path, resp.StatusCode, want, b)
	}
	return b, nil
}

// Post submits one entry and returns its entry ID (201 or 409).
func (c *Client) Post(ctx context.Context, entry []byte) (string, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/log/entries", entry, http.StatusCreated)
	if err != nil {
		return "", err
	}
	return entryID(b)
}

// PostBatch submits entries through the batch extension and returns how
// many were created.
func (c *Client) PostBatch(ctx context.Context, entries [][]byte) (int, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/log/entries/batch", batchBody(entries), http.StatusMultiStatus)
	if err != nil {
		return 0, err
	}
	return createdIn(b, len(entries))
}

// TreeSize reads GET /api/v1/log.
func (c *Client) TreeSize(ctx context.Context) (int64, error) {
	b, err := c.do(ctx, http.MethodGet, "/api/v1/log", nil, http.StatusOK)
	if err != nil {
		return 0, err
	}
	var info struct {
		TreeSize int64 `json:"treeSize"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return 0, fmt.Errorf("decoding log info: %w", err)
	}
	return info.TreeSize, nil
}

// GetByIndex reads one entry by index.
func (c *Client) GetByIndex(ctx context.Context, i int64) error {
	_, err := c.do(ctx, http.MethodGet, "/api/v1/log/entries?logIndex="+strconv.FormatInt(i, 10), nil, http.StatusOK)
	return err
}

// GetByUUID reads one entry by entry ID.
func (c *Client) GetByUUID(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodGet, "/api/v1/log/entries/"+id, nil, http.StatusOK)
	return err
}

// SearchHash searches the index for an artifact digest and returns the IDs.
func (c *Client) SearchHash(ctx context.Context, hexDigest string) ([]string, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/index/retrieve", fmt.Appendf(nil, `{"hash":"sha256:%s"}`, hexDigest), http.StatusOK)
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("decoding search response: %w", err)
	}
	return ids, nil
}

// Throughput is the result of a write phase.
type Throughput struct {
	Entries  int
	Duration time.Duration
}

// PerSecond returns entries per second.
func (t Throughput) PerSecond() float64 { return float64(t.Entries) / t.Duration.Seconds() }

// PostAll posts entries one per request with the given concurrency, each
// worker on its own kept-alive connection (a poster).
func (c *Client) PostAll(ctx context.Context, entries [][]byte, concurrency int) (Throughput, error) {
	return c.postAll(ctx, len(entries), 1, concurrency, func(p *poster, i int) (int, error) {
		b, err := p.post(ctx, "/api/v1/log/entries", entries[i], http.StatusCreated)
		if err != nil {
			return 0, err
		}
		if _, err := entryID(b); err != nil {
			return 0, err
		}
		return 1, nil
	})
}

// PostAllBatched posts entries in batches of size with the given
// concurrency, each worker on its own kept-alive connection (a poster).
func (c *Client) PostAllBatched(ctx context.Context, entries [][]byte, size, concurrency int) (Throughput, error) {
	return c.postAll(ctx, len(entries), size, concurrency, func(p *poster, i int) (int, error) {
		batch := entries[i:min(i+size, len(entries))]
		b, err := p.post(ctx, "/api/v1/log/entries/batch", batchBody(batch), http.StatusMultiStatus)
		if err != nil {
			return 0, err
		}
		return createdIn(b, len(batch))
	})
}

// postAll runs concurrency workers that each take the next step positions
// of n until all are posted or one fails; post returns how many entries
// its request created.
func (c *Client) postAll(ctx context.Context, n, step, concurrency int, post func(p *poster, i int) (int, error)) (Throughput, error) {
	start := time.Now()
	var next, created atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.dialPoster(ctx)
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
				return
			}
			defer p.close()
			for {
				i := int(next.Add(int64(step)) - int64(step))
				if i >= n || firstErr.Load() != nil {
					return
				}
				k, err := post(p, i)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				created.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return Throughput{}, err
	}
	return Throughput{Entries: int(created.Load()), Duration: time.Since(start)}, nil
}

// Latency is a read phase's latency distribution.
type Latency struct {
	N        int
	P50, P99 time.Duration
}

// Measure runs op n times with the given concurrency and returns the
// latency percentiles.
func Measure(ctx context.Context, n, concurrency int, op func(ctx context.Context, i int) error) (Latency, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				t := time.Now()
				if err := op(ctx, i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return Latency{}, err
	}
	slices.Sort(lat)
	return Latency{N: n, P50: lat[n*50/100], P99: lat[min(n-1, n*99/100)]}, nil
}
