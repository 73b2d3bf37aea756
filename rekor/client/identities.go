package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
)

// Bounds of the identities extension (rekor/server/identities.go).
const (
	MaxIdentityPrefix = 256
	MaxIdentityLimit  = 1000
)

// ErrUnsupported is returned (wrapped in an *UnsupportedError) when the log
// does not offer an extension of provscope's embedded log.
var ErrUnsupported = errors.New("not supported by this log")

// UnsupportedError says the log lacks a provscope extension: it answered
// Status (404, 405 or 501) where the extension lives.
type UnsupportedError struct {
	// Feature names the extension, such as "identity prefix search".
	Feature string
	Status  int
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: %v (status %d)", e.Feature, ErrUnsupported, e.Status)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// IdentityPage is one answer of the identities extension.
type IdentityPage struct {
	// Identities are distinct lower-cased certificate identities (SAN
	// emails, URIs...) starting with the prefix, in byte order.
	Identities []string `json:"identities"`
	// Truncated says more identities match than the limit let through.
	Truncated bool `json:"truncated"`
	// Indexed is how many entries the log's identity table covers, of
	// TreeSize; fewer means the newest entries are not searched yet.
	Indexed  uint64 `json:"indexed"`
	TreeSize uint64 `json:"treeSize"`
}

// Complete reports whether every entry of the log was searched.
func (p *IdentityPage) Complete() bool { return p.Indexed >= p.TreeSize }

// Identities lists the certificate identities starting with prefix
// (case-insensitive), at most limit of them (1 to MaxIdentityLimit), through
// provscope's GET /api/v1/index/identities extension. Fetch each
// identity's entries with Search (SearchQuery.Subject), Rekor's exact
// match. A log without the extension (any Rekor) gives an *UnsupportedError.
func (c *Client) Identities(ctx context.Context, prefix string, limit int) (*IdentityPage, error) {
	if prefix == "" || len(prefix) > MaxIdentityPrefix {
		return nil, fmt.Errorf("identity prefix is %d bytes, want 1 to %d", len(prefix), MaxIdentityPrefix)
	}
	if limit < 1 || limit > MaxIdentityLimit {
		return nil, fmt.Errorf("identity limit %d, want 1 to %d", limit, MaxIdentityLimit)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	const op = "listing identities"
	res, err := c.rekor.Transport.SubmitContext(ctx, &runtime.ClientOperation{
		ID:                 "listIdentities",
		Method:             http.MethodGet,
		PathPattern:        "/api/v1/index/identities",
		ProducesMediaTypes: []string{"application/json"},
		ConsumesMediaTypes: []string{"application/json"},
		Schemes:            []string{"http", "https"},
		Params: runtime.ClientRequestWriterFunc(func(r runtime.ClientRequest, _ strfmt.Registry) error {
			if err := r.SetQueryParam("prefix", prefix); err != nil {
				return err
			}
			return r.SetQueryParam("limit", strconv.Itoa(limit))
		}),
		Reader: runtime.ClientResponseReaderFunc(func(r runtime.ClientResponse, consumer runtime.Consumer) (any, error) {
			switch r.Code() {
			case http.StatusOK:
				var p IdentityPage
				if err := consumer.Consume(r.Body(), &p); err != nil {
					return nil, fmt.Errorf("%s: decoding response: %w", op, err)
				}
				return &p, nil
			case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
				return nil, &UnsupportedError{Feature: "identity prefix search", Status: r.Code()}
			}
			he := &HTTPError{Op: op, Status: r.Code()}
			var m models.Error
			if b, err := io.ReadAll(io.LimitReader(r.Body(), 64<<10)); err == nil && json.Unmarshal(b, &m) == nil {
				he.Message = m.Message
			}
			return nil, he
		}),
	})
	if err != nil {
		var ue *UnsupportedError
		var he *HTTPError
		if errors.As(err, &ue) || errors.As(err, &he) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p, ok := res.(*IdentityPage)
	if !ok || p == nil {
		return nil, fmt.Errorf("%s: got %T, want a page", op, res)
	}
	if p.Identities == nil {
		p.Identities = []string{}
	}
	return p, nil
}
