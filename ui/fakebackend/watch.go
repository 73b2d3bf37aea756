package fakebackend

import (
	"context"
	"strconv"
	"sync"

	"github.com/provscope/provscope/ui"
)

// Watching is the fake backend with a scripted ui.Watcher: each WatchStep
// returns the next step pushed with Push; with none pushed it waits (until
// one is, or its context ends) after sending on Waiting, so a test can see
// the watch parked in the backend. Safe for concurrent use.
type Watching struct {
	*Backend
	// Waiting receives (without blocking) each time a WatchStep starts
	// waiting for a step.
	Waiting chan struct{}

	mu      sync.Mutex
	queue   []scripted
	wake    chan struct{}
	queries []ui.WatchQuery
	ended   []ui.WatchState
	handles int
}

type scripted struct {
	step ui.WatchStep
	err  error
}

var _ ui.Watcher = (*Watching)(nil)

// NewWatching returns b with a Watcher that has no step yet.
func NewWatching(b *Backend) *Watching {
	return &Watching{Backend: b, Waiting: make(chan struct{}, 16), wake: make(chan struct{})}
}

// Push queues the outcome of the next step.
func (w *Watching) Push(step ui.WatchStep, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queue = append(w.queue, scripted{step, err})
	close(w.wake)
	w.wake = make(chan struct{})
}

// WatchStep implements ui.Watcher: the next pushed step. The state's
// Handle is named on the first step; its Size follows the step's To
// unless the step has a Problem or an error.
func (w *Watching) WatchStep(ctx context.Context, q ui.WatchQuery, st ui.WatchState) (ui.WatchStep, ui.WatchState, error) {
	w.mu.Lock()
	w.queries = append(w.queries, q)
	if st.Handle == "" {
		w.handles++
		st.Handle = "fake-watch-" + strconv.Itoa(w.handles)
	}
	for len(w.queue) == 0 {
		wake := w.wake
		w.mu.Unlock()
		select {
		case w.Waiting <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return ui.WatchStep{}, st, ctx.Err()
		case <-wake:
		}
		w.mu.Lock()
	}
	s := w.queue[0]
	w.queue = w.queue[1:]
	w.mu.Unlock()
	if s.err == nil && s.step.Problem == nil {
		st.Size = s.step.To
	}
	return s.step, st, s.err
}

// EndWatch implements ui.Watcher: it records st.
func (w *Watching) EndWatch(st ui.WatchState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ended = append(w.ended, st)
}

// Queries returns the query of every step asked for so far.
func (w *Watching) Queries() []ui.WatchQuery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ui.WatchQuery(nil), w.queries...)
}

// Ended returns the states EndWatch was given.
func (w *Watching) Ended() []ui.WatchState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ui.WatchState(nil), w.ended...)
}
