// Package embedded runs an OCI registry inside provscope, on 127.0.0.1 at a
// random port: go-containerregistry's pkg/registry with the OCI 1.1
// referrers API enabled
// (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers),
// its request log silenced so it cannot garble a terminal UI.
//
// Storage is in memory. pkg/registry keeps manifests only in memory, so a
// blob store on disk alone could not bring a registry back across restarts;
// the demo world instead re-seeds it deterministically at each start (fixed
// keys, fixed contents, RFC 6979 signatures), which gives byte-identical
// manifests and the same log entries every time. Images pushed into it by
// hand do not survive a restart.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"

	"github.com/provscope/provscope/internal/httplimit"
)

// Registry is a running embedded registry.
type Registry struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Start serves a fresh in-memory registry on 127.0.0.1 at a random port.
// addr overrides the listen address when not empty (for example
// "127.0.0.1:5000"). It serves with httplimit's default connection limits
// and timeouts and the body limits of LimitBodies.
func Start(addr string) (*Registry, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv, lln := httplimit.Default().Server(ln, LimitBodies(NewHandler()))
	srv.ErrorLog = log.New(io.Discard, "", 0)
	r := &Registry{srv: srv, ln: ln, done: make(chan error, 1)}
	go func() { r.done <- r.srv.Serve(lln) }()
	return r, nil
}

// Body limits of the embedded registry: it keeps every pushed blob in
// memory, so one request body is at most MaxBodyBytes (a demo image
// layer is far smaller) and the bodies being received at once at most
// MaxInFlightBytes (503 with Retry-After beyond).
const (
	MaxBodyBytes     = 64 << 20
	MaxInFlightBytes = 256 << 20
)

// LimitBodies applies the registry's body limits to h.
func LimitBodies(h http.Handler) http.Handler {
	return httplimit.LimitBodies(h, MaxBodyBytes, MaxInFlightBytes)
}

// NewHandler returns the registry's HTTP handler: go-containerregistry's
// registry with referrers on and logs off, with the catalog and tag listings
// paginated as the distribution spec says (sorted, "n" and "last", a Link
// header to the next page); pkg/registry does not paginate its catalog and
// repeats the first tag page when "last" is the final tag.
func NewHandler() http.Handler {
	inner := ggcrregistry.New(
		ggcrregistry.WithReferrersSupport(true),
		ggcrregistry.Logger(log.New(io.Discard, "", 0)),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && (r.URL.Path == "/v2/_catalog" || strings.HasSuffix(r.URL.Path, "/tags/list")) {
			paginate(inner, w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// paginate asks inner for the whole listing and serves one page of it.
func paginate(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := 0
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			http.Error(w, `{"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"invalid n"}]}`, http.StatusBadRequest)
			return
		}
		n = v
	}
	last := q.Get("last")
	full := r.Clone(r.Context())
	full.URL.RawQuery = url.Values{"n": {"1000000"}}.Encode()
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, full)
	if rec.Code != http.StatusOK {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		// The status is already sent; a failed write means the client went away.
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		http.Error(w, "listing: "+err.Error(), http.StatusInternalServerError)
		return
	}
	key := "tags"
	if r.URL.Path == "/v2/_catalog" {
		key = "repositories"
	}
	var items []string
	if list, ok := body[key].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok && s > last {
				items = append(items, s)
			}
		}
	}
	sort.Strings(items)
	if n > 0 && len(items) > n {
		items = items[:n]
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {items[n-1]}}
		w.Header().Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", r.URL.Path, next.Encode()))
	}
	if items == nil {
		items = []string{}
	}
	body[key] = items
	w.Header().Set("Content-Type", "application/json")
	// The header is already sent; a failed write means the client went away.
	_ = json.NewEncoder(w).Encode(body)
}

// Host returns "127.0.0.1:<port>", the registry part of image references.
func (r *Registry) Host() string { return r.ln.Addr().String() }

// Close stops the registry, dropping open connections (clients may hold
// connections they never used, which a graceful Shutdown waits on), and
// waits for it to finish.
func (r *Registry) Close() error {
	err := r.srv.Close()
	if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
