package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Request body limits. Every byte of a request body is hostile until parsed,
// and a parsed proposed entry holds about as many bytes as its JSON (the
// base64 signatures, keys and DSSE payloads decoded), so the log bounds:
//
//   - one proposed entry (a single POST /api/v1/log/entries, or one item of
//     a batch) and every other request body to Config.MaxBodyBytes,
//     DefaultMaxBodyBytes (1 MiB) unless set. The largest entries this log
//     accepts are dsse and intoto envelopes, whose JSON carries the base64
//     of the whole attestation: 1 MiB holds an attestation of about 760 KiB,
//     seven times the 100 KiB Rekor v1.5.4 keeps by default
//     (max_attestation_size). hashedrekord entries (a hash, a signature, a
//     key or certificate chain) stay under 20 KiB;
//   - a batch to maxBatch items of that size plus batchSlack bytes of
//     brackets, commas and white space: with the defaults
//     100 × 1 MiB + 64 KiB = 100.06 MiB (batchBodyLimit). A batch is read
//     as a stream: an item over the entry limit, a 101st item or bytes
//     beyond the array are refused as soon as they are read, and each item
//     is parsed and its JSON dropped before the next is read;
//   - all request bodies being read or held at once to
//     Config.MaxInFlightBytes (DefaultMaxInFlightBytes, 128 MiB): a request
//     reserves its Content-Length (or its route's limit when it declares
//     none) before its body is read and gives it back when answered. A
//     request that does not fit is answered 503 with Retry-After at once,
//     before its body is read; a batch limit larger than the budget is
//     lowered to it.
//
// The resulting bound on memory, measured with 8 concurrent maximal hostile
// batches (TestHostileBodiesMemory, in a child process): see doc.go.

// DefaultMaxBodyBytes is the default Config.MaxBodyBytes.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxInFlightBytes is the default Config.MaxInFlightBytes.
const DefaultMaxInFlightBytes = 128 << 20

// batchSlack is what a batch body may hold beyond its items.
const batchSlack = 64 << 10

// batchPath is the batch route, whose body limit is batchBodyLimit.
const batchPath = "/api/v1/log/entries/batch"

// batchBodyLimit is the largest batch body: maxBatch entries of the largest
// accepted size and batchSlack, at most the in-flight budget.
func (l *Log) batchBodyLimit() int64 {
	return min(int64(maxBatch)*l.cfg.MaxBodyBytes+batchSlack, l.cfg.MaxInFlightBytes)
}

// byteBudget bounds the request body bytes being read or held at once.
type byteBudget struct {
	mu   sync.Mutex
	max  int64
	used int64
}

// tryTake reserves n bytes; false when they do not fit.
func (b *byteBudget) tryTake(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.max-b.used {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse returns the bytes reserved now.
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// limitBody applies the body limit of r's route and reserves its bytes in
// the in-flight budget. It returns false after answering (413 or 503);
// otherwise the caller must call release once the request is answered.
func (l *Log) limitBody(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	limit := l.cfg.MaxBodyBytes
	if r.Method == http.MethodPost && r.URL.Path == batchPath {
		limit = l.batchBodyLimit()
	}
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return nil, false
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return func() {}, true
	}
	reserve := limit // no declared length: the most it may send
	if r.ContentLength > 0 {
		reserve = r.ContentLength
	}
	if !l.bodies.tryTake(reserve) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusServiceUnavailable, "too many request bytes in flight, retry later")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, reserve)
	return func() { l.bodies.give(reserve) }, true
}

// Errors of readJSONArray.
var (
	errNotArray     = errors.New("want a JSON array of proposed entries")
	errTooManyItems = errors.New("too many items")
	errItemTooLarge = errors.New("item too large")
)

// readJSONArray reads a JSON array from r as a stream and calls each with
// every item's JSON, in order, never holding more than one item: it
// returns errTooManyItems as soon as item maxItems+1 starts,
// errItemTooLarge as soon as an item passes maxItem bytes, errNotArray
// (wrapped) for anything that is not one JSON array of valid JSON values,
// and the error of r (such as *http.MaxBytesError) when reading fails. The
// item slice passed to each is reused: each must not keep it.
func readJSONArray(r io.Reader, maxItems int, maxItem int64, each func(item []byte) error) (n int, err error) {
	br := bufio.NewReaderSize(r, 32<<10)
	next := func() (byte, error) { // the next byte that is not JSON white space
		for {
			c, err := br.ReadByte()
			if err != nil {
				return 0, err
			}
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				return c, nil
			}
		}
	}
	eof := func(err error) error {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: unexpected end of body", errNotArray)
		}
		return err
	}
	c, err := next()
	if err != nil {
		return 0, eof(err)
	}
	if c != '[' {
		return 0, fmt.Errorf("%w: body starts with %q", errNotArray, c)
	}
	var item []byte
	for {
		c, err := next()
		if err != nil {
			return n, eof(err)
		}
		if c == ']' && n == 0 {
			break // []
		}
		if n == maxItems {
			return n, errTooManyItems
		}
		// One item: up to the ',' or ']' at depth 0 outside a string.
		item = item[:0]
		depth, inString, escaped := 0, false, false
	scan:
		for {
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
				}
			case c == '"':
				inString = true
			case c == '[' || c == '{':
				depth++
			case c == ']' || c == '}':
				if depth == 0 {
					if c == '}' {
						return n, fmt.Errorf("%w: unexpected '}'", errNotArray)
					}
					break scan
				}
				depth--
			case c == ',' && depth == 0:
				break scan
			}
			item = append(item, c)
			if int64(len(item)) > maxItem {
				return n, errItemTooLarge
			}
			if c, err = br.ReadByte(); err != nil {
				return n, eof(err)
			}
		}
		if !json.Valid(item) {
			return n, fmt.Errorf("%w: item %d is not valid JSON", errNotArray, n)
		}
		n++
		if err := each(item); err != nil {
			return n, err
		}
		if c == ']' {
			break
		}
	}
	if c, err := next(); !errors.Is(err, io.EOF) {
		if err != nil {
			return n, err
		}
		return n, fmt.Errorf("%w: %q after the array", errNotArray, c)
	}
	return n, nil
}
