package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/registry/cosignfmt"
)

// Append logs one fresh entry, as `cosign sign-blob --key` does: a
// hashedrekord entry for a new build record signed by the current (2026)
// key. Each record names its sequence number n and the time t, so every
// call logs a new entry and the log grows by one leaf. It returns the
// logged entry.
//
// A log that only ever holds the seeded entries has nothing to prove:
// between two looks at it the tree is the same and a consistency proof
// needs no hashes. Append (and Grow) give the explorer's `c` and
// `provscope loginfo` a real consistency proof to show.
func (w *World) Append(ctx context.Context, n int, t time.Time) (*models.LogEntryAnon, error) {
	k, ok := w.Key("2026")
	if !ok || w.upload == nil {
		return nil, errors.New("the demo world is not running")
	}
	rec := fmt.Appendf(nil, "provscope demo build record %d of demo/worker, signed %s\n", n, t.UTC().Format(time.RFC3339Nano))
	sig, err := k.signer.SignMessage(bytes.NewReader(rec))
	if err != nil {
		return nil, fmt.Errorf("signing build record %d: %w", n, err)
	}
	_, e, err := w.upload(ctx, cosignfmt.HashedRekordEntry(rec, sig, k.PublicKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("logging build record %d: %w", n, err)
	}
	return e, nil
}

// Grow appends an entry (Append) every interval until ctx ends or the world
// is closed, so that the log grows while the explorer watches it. It
// returns at once; errors are reported on errs when it is not nil (a full
// channel drops them: growth is best effort and the world keeps serving).
func (w *World) Grow(ctx context.Context, every time.Duration, now func() time.Time, errs chan<- error) {
	if every <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	w.stopGrow = append(w.stopGrow, func() { cancel(); <-done })
	go func() {
		defer close(done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			if _, err := w.Append(ctx, n, now()); err != nil && errs != nil && ctx.Err() == nil {
				select {
				case errs <- err:
				default:
				}
			}
		}
	}()
}
