package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/ui"
)

// The explorer's watch (ui/watch.go) is `provscope watch` one step at a
// time: each WatchStep is one mirror.Sync of the tiles log into the
// watch's own directory (a temporary one, created by the first step and
// removed by EndWatch), started at the log's current checkpoint
// (StartAtCheckpoint), so a step verifies the new checkpoint, proves it
// consistent with the last one, reads the new entry bundles and recomputes
// the tiles from them, exactly as the command does; the entries the query
// matches (mirror.Matches) are reported.
//
// On a Rekor v1 log a step is inspect.WatchV1 (the command's v1 step) in
// the same kind of directory: CheckLog judges the log's signed heads
// against the ones kept there (rollback, fork, dropped tree), then up to
// inspect.MaxWatchBatch new entries are read by index, each verified
// (SET, inclusion proof, its checkpoint consistent with the verified head)
// before the query sees it.

var _ ui.Watcher = (*Backend)(nil)

// watchDirPrefix names the watch directories this backend creates.
const watchDirPrefix = "provscope-watch-"

// maxWatchEntries bounds the matching entries one step reports.
const maxWatchEntries = 1000

// WatchStep implements ui.Watcher. A log that fails verification (a
// *mirror.LieError on a tiles log, an *inspect.WatchLieError on a Rekor v1
// log) is the step's Problem.
func (b *Backend) WatchStep(ctx context.Context, q ui.WatchQuery, st ui.WatchState) (ui.WatchStep, ui.WatchState, error) {
	mq, err := b.watchQuery(q)
	if err != nil {
		return ui.WatchStep{}, st, err
	}
	if !b.isTiles() {
		return b.watchStepV1(ctx, mq, st)
	}
	fetch, err := mirror.HTTPFetcher(b.cfg.Log.TilesPrefix(), nil, "provscope-explorer")
	if err != nil {
		return ui.WatchStep{}, st, err
	}
	raw, err := b.log.Tiles.Checkpoint(ctx)
	if err != nil {
		return ui.WatchStep{}, st, fmt.Errorf("fetching the checkpoint: %w", err)
	}
	keys, err := b.log.NoteKeys(string(raw))
	if err != nil {
		return ui.WatchStep{}, st, fmt.Errorf("the log's note key: %w", err)
	}
	fresh := st.Handle == ""
	if fresh {
		dir, err := os.MkdirTemp("", watchDirPrefix)
		if err != nil {
			return ui.WatchStep{}, st, fmt.Errorf("creating the watch directory: %w", err)
		}
		st.Handle = dir
	}
	var step ui.WatchStep
	onEntries := func(first uint64, es [][]byte, _ *proof.VerifiedCheckpoint) error {
		step.Scanned += uint64(len(es))
		for i, e := range es {
			bd, err := body.Decode(e)
			if err != nil || !mirror.Matches(bd, mq) || len(step.Entries) >= maxWatchEntries {
				continue
			}
			we := ui.WatchEntry{Seen: b.now(), LogIndex: first + uint64(i), Kind: string(bd.Kind)} //nolint:gosec // G115: i >= 0
			for _, s := range bd.Signatures {
				we.Signers = append(we.Signers, s.Signer)
			}
			step.Entries = append(step.Entries, we)
		}
		return nil
	}
	res, err := mirror.Sync(ctx, mirror.Config{
		Dir: st.Handle, Fetch: fetch, Keys: keys, Origin: b.cfg.Log.Origin, StartAtCheckpoint: true, OnEntries: onEntries,
	})
	var lie *mirror.LieError
	switch {
	case errors.As(err, &lie):
		step.From, step.To, step.Problem = st.Size, st.Size, err
		return step, st, nil
	case err != nil:
		return ui.WatchStep{}, st, err
	}
	step.From, step.To, step.First = res.From, res.To, fresh
	st.Size = res.To
	return step, st, nil
}

// watchStepV1 is WatchStep on a Rekor v1 log.
func (b *Backend) watchStepV1(ctx context.Context, mq mirror.Query, st ui.WatchState) (ui.WatchStep, ui.WatchState, error) {
	fresh := st.Handle == ""
	if fresh {
		dir, err := os.MkdirTemp("", watchDirPrefix)
		if err != nil {
			return ui.WatchStep{}, st, fmt.Errorf("creating the watch directory: %w", err)
		}
		st.Handle = dir
	}
	res, err := inspect.WatchV1(ctx, b.log, st.Handle, func(bd *body.Body) bool { return mirror.Matches(bd, mq) }, b.now())
	var lie *inspect.WatchLieError
	switch {
	case errors.As(err, &lie):
		return ui.WatchStep{From: st.Size, To: st.Size, Problem: err}, st, nil
	case err != nil:
		return ui.WatchStep{}, st, err
	}
	step := ui.WatchStep{From: res.From, To: res.To, First: res.First, Scanned: res.To - res.From}
	for _, m := range res.Matches {
		if len(step.Entries) >= maxWatchEntries {
			break
		}
		we := ui.WatchEntry{Seen: b.now(), LogIndex: m.Index, Kind: string(m.Body.Kind)}
		for _, s := range m.Body.Signatures {
			we.Signers = append(we.Signers, s.Signer)
		}
		step.Entries = append(step.Entries, we)
	}
	st.Size = res.To
	return step, st, nil
}

// watchQuery turns the explorer's query into the mirror's.
func (b *Backend) watchQuery(q ui.WatchQuery) (mirror.Query, error) {
	if q.KeyFile == "" {
		if q.Identity == "" {
			return mirror.Query{}, errors.New("give an identity or a key file to watch")
		}
		return mirror.Query{Subject: q.Identity, Issuer: q.Issuer}, nil
	}
	pemBytes, err := readKeyFile(b.cfg.Capabilities.ReadHostFiles, "ReadHostFiles", "reading public key file", q.KeyFile)
	if err != nil {
		return mirror.Query{}, err
	}
	pub, err := proof.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		return mirror.Query{}, fmt.Errorf("reading the key %s: %w", q.KeyFile, err)
	}
	fp, err := proof.KeyFingerprint(pub)
	if err != nil {
		return mirror.Query{}, fmt.Errorf("reading the key %s: %w", q.KeyFile, err)
	}
	return mirror.Query{KeyFingerprint: fp}, nil
}

// EndWatch implements ui.Watcher: it removes the watch's directory (only
// one this backend created).
func (b *Backend) EndWatch(st ui.WatchState) {
	d := st.Handle
	if d == "" || !strings.HasPrefix(filepath.Base(d), watchDirPrefix) || filepath.Dir(d) != filepath.Clean(os.TempDir()) {
		return
	}
	_ = os.RemoveAll(d)
}
