package server

// Extension: GET /api/v1/index/identities?prefix=P&limit=N lists the
// distinct certificate identities (SAN emails, URIs, DNS names, IPs, as
// Rekor's pki/x509 Subjects() indexes them, lower-cased) that start with P,
// so a client can find "everything alice@ or https://github.com/org/
// signed" and then fetch each identity's entries with the standard
// POST /api/v1/index/retrieve (an exact, case-insensitive match). Rekor's
// own index offers exact matches only; a client talking to a Rekor log
// without this extension gets 404.
//
// The idxkeys table keeps 16-byte hashes of the index keys (see
// indexKeyHash), which cannot be range-scanned, so this file keeps its own
// table of identity texts, filled from the stored entry bodies on demand:
// each request first indexes the entries committed since the last one (at
// most identityCatchUpBudget of work per request; the answer says how far
// the table reaches), then answers with one range scan
// (k >= prefix AND k < successor(prefix)) bounded by limit.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Bounds of the identities extension.
const (
	// MaxIdentityPrefix is the longest prefix accepted (bytes).
	MaxIdentityPrefix = 256
	// DefaultIdentityLimit and MaxIdentityLimit bound how many identities
	// one answer lists.
	DefaultIdentityLimit = 100
	MaxIdentityLimit     = 1000
	// identityChunk is how many entries one indexing transaction covers.
	identityChunk = 512
	// identityCatchUpBudget bounds the indexing work one request does.
	identityCatchUpBudget = 2 * time.Second
)

// IdentityPage is the answer of GET /api/v1/index/identities.
type IdentityPage struct {
	// Identities are the distinct lower-cased identities starting with
	// the prefix, in byte order, at most the limit asked.
	Identities []string `json:"identities"`
	// Truncated says more identities match than were listed.
	Truncated bool `json:"truncated"`
	// Indexed is how many entries (from index 0) the identity table
	// covers; TreeSize is the log's size. Indexed < TreeSize means entries
	// committed lately are not searched yet (ask again).
	Indexed  uint64 `json:"indexed"`
	TreeSize uint64 `json:"treeSize"`
}

// hashLikeKey matches index keys that are not identities: "alg:hex"
// artifact hashes and 64-hex key fingerprints.
var hashLikeKey = regexp.MustCompile(`^([a-z0-9-]+:)?[0-9a-f]{64,128}$`)

// certPEMBase64 is how a base64-encoded PEM certificate starts.
const certPEMBase64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"

func (l *Log) getIdentities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := strings.ToLower(q.Get("prefix"))
	if prefix == "" || len(prefix) > MaxIdentityPrefix {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("prefix is %d bytes, want 1 to %d", len(prefix), MaxIdentityPrefix))
		return
	}
	limit := DefaultIdentityLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxIdentityLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want an integer from 1 to %d", v, MaxIdentityLimit))
			return
		}
		limit = n
	}
	ctx := r.Context()
	s := l.state.Load()
	indexed, err := l.indexIdentities(ctx, s.size, time.Now().Add(identityCatchUpBudget))
	if err != nil {
		l.log.Error("indexing identities", "err", err)
		writeError(w, http.StatusInternalServerError, "unexpected result from indexing identities")
		return
	}
	ids, truncated, err := l.identitiesWithPrefix(ctx, prefix, limit)
	if err != nil {
		l.log.Error("listing identities", "err", err)
		writeError(w, http.StatusInternalServerError, "unexpected result from listing identities")
		return
	}
	writeJSON(w, http.StatusOK, &IdentityPage{Identities: ids, Truncated: truncated, Indexed: indexed, TreeSize: s.size})
}

// indexIdentities adds the identities of the entries below size not yet
// indexed, chunk by chunk, until done or deadline, and returns how many
// entries the table covers. Concurrent callers may index the same chunk
// twice; the inserts are idempotent and the watermark only grows.
func (l *Log) indexIdentities(ctx context.Context, size uint64, deadline time.Time) (uint64, error) {
	done, err := l.db.identitiesIndexed(ctx)
	if err != nil {
		return 0, err
	}
	for done < size && time.Now().Before(deadline) {
		end := min(done+identityChunk, size)
		keys, err := l.identitiesIn(ctx, done, end)
		if err != nil {
			return done, err
		}
		if err := l.db.putIdentities(ctx, keys, end); err != nil {
			return done, err
		}
		done = end
	}
	return done, nil
}

// identitiesIn returns the identities of entries [from, to).
func (l *Log) identitiesIn(ctx context.Context, from, to uint64) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := l.db.eachBody(ctx, from, to, func(stored []byte) error {
		body, err := l.codec.decode(stored)
		if err != nil {
			return err
		}
		for _, k := range bodyIdentities(body) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		return nil
	})
	return out, err
}

// identitiesWithPrefix range-scans the identity table.
func (l *Log) identitiesWithPrefix(ctx context.Context, prefix string, limit int) ([]string, bool, error) {
	hi, ok := prefixSuccessor(prefix)
	out, err := l.db.identitiesFrom(ctx, prefix, hi, ok, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// prefixSuccessor is the least string greater than every string starting
// with p (in byte order); ok is false when there is none (p is all 0xff).
func prefixSuccessor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// bodyIdentities returns the lower-cased subject alternative names of every
// certificate in a canonical entry body (hashedrekord's signature key, dsse
// verifiers, intoto signature keys): the identity keys Rekor indexes for
// it (pki/x509 Subjects(): the SANs of the first certificate of each PEM),
// without hashes and key fingerprints. The certificates are found as the
// JSON strings starting with a base64 PEM certificate header (base64 has no
// quote, so each ends at the next quote). A body that does not parse has
// none.
func bodyIdentities(body []byte) []string {
	var out []string
	for rest := body; ; {
		i := bytes.Index(rest, []byte(certPEMBase64))
		if i < 0 {
			return out
		}
		rest = rest[i:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return out
		}
		b64 := rest[:j]
		rest = rest[j:]
		pemBytes := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
		n, err := base64.StdEncoding.Decode(pemBytes, b64)
		if err != nil {
			continue
		}
		block, _ := pem.Decode(pemBytes[:n])
		if block == nil || block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			continue
		}
		for _, sub := range cryptoutils.GetSubjectAlternateNames(cert) {
			sub = strings.ToLower(sub)
			if sub != "" && !hashLikeKey.MatchString(sub) {
				out = append(out, sub)
			}
		}
	}
}
