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
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a running embedded registry.
type Registry struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Start serves a fresh in-memory registry on 127.0.0.1 at a random port.
// addr overrides the listen address when not empty (for example
// "127.0.0.1:5000").
func Start(addr string) (*Registry, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	h := ggcrregistry.New(
		ggcrregistry.WithReferrersSupport(true),
		ggcrregistry.Logger(log.New(io.Discard, "", 0)),
	)
	r := &Registry{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0),
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { r.done <- r.srv.Serve(ln) }()
	return r, nil
}

// Host returns "127.0.0.1:<port>", the registry part of image references.
func (r *Registry) Host() string { return r.ln.Addr().String() }

// Close stops the registry and waits for it to finish.
func (r *Registry) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
