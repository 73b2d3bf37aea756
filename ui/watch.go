package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/model"
)

// WATCH. The watch overlay (key W) is `provscope watch` inside the
// explorer: it asks what to watch (an identity with an optional issuer, or
// a key file; the pinned signer by default), then tails the current log one
// step at a time through the backend's Watcher, showing each new entry by
// that signer and every step's consistency verdict. A step the log failed
// (an inconsistent checkpoint, a lying tile) raises the explorer's alarm
// banner and stops the watch. The watch runs as one Cmd at a time that
// Update re-arms; closing the overlay cancels it, and whatever the backend
// holds for the watch is released (EndWatch) by the last Cmd. Every
// foreign string is sanitised where the lines are built (safe, short).

// Watcher is implemented by a Backend that can follow its log (ui/backend
// does: a tiles log with rekor/mirror's watch logic, a Rekor v1 log with
// inspect.WatchV1). Implementations
// must be safe for concurrent use.
type Watcher interface {
	// WatchStep follows the log one step from st (the zero WatchState
	// first: the step starts at the log's current checkpoint) and returns
	// what the step saw and the state to pass to the next step. A
	// verification failure is WatchStep.Problem, not the error: the error
	// is for a step that could not be carried out (network, bad query).
	WatchStep(ctx context.Context, q WatchQuery, st WatchState) (WatchStep, WatchState, error)
	// EndWatch releases what the watch holds (st is the last state a
	// step returned).
	EndWatch(st WatchState)
}

// WatchQuery says whose entries to report: a certificate identity (SAN; a
// trailing * matches a prefix) with an optional issuer, or the public key
// in KeyFile.
type WatchQuery struct {
	Identity string
	Issuer   string
	KeyFile  string
}

// String is the query as the user typed it (unsanitised).
func (q WatchQuery) String() string {
	switch {
	case q.KeyFile != "":
		return "key " + q.KeyFile
	case q.Issuer != "":
		return q.Identity + " " + q.Issuer
	}
	return q.Identity
}

// parseWatchQuery reads "IDENTITY [ISSUER]" or "key FILE".
func parseWatchQuery(spec string) (WatchQuery, error) {
	f := strings.Fields(spec)
	switch {
	case len(f) == 0:
		return WatchQuery{}, errors.New("give an identity (and issuer) or key FILE")
	case f[0] == "key" && len(f) == 2:
		return WatchQuery{KeyFile: f[1]}, nil
	case f[0] == "key" || len(f) > 2:
		return WatchQuery{}, errors.New("want IDENTITY [ISSUER] or key FILE")
	case strings.HasPrefix(f[0], "~"):
		return WatchQuery{}, errors.New("a watch matches an identity exactly or by prefix (a trailing *), not a regular expression")
	case len(f) == 2:
		return WatchQuery{Identity: f[0], Issuer: f[1]}, nil
	}
	return WatchQuery{Identity: f[0]}, nil
}

// WatchState is a watch's place in the log. Size is the tree size the
// watch has verified up to; Handle is the backend's own (ui only passes it
// back).
type WatchState struct {
	Size   uint64
	Handle string
}

// WatchStep is what one step saw.
type WatchStep struct {
	// From and To are the verified tree sizes before and after the step
	// (From == To: the log did not grow). First says the step started the
	// watch at the log's current checkpoint (To).
	From, To uint64
	First    bool
	// Entries are the new entries the query matched, in log order.
	Entries []WatchEntry
	// Scanned is how many new entries the step read (matching or not).
	Scanned uint64
	// Problem, when set, is the log's failure (an inconsistent or badly
	// signed checkpoint, a tile or bundle that does not recompute): the
	// watch stops and the alarm banner shows it.
	Problem error
}

// WatchEntry is one new entry by the watched signer.
type WatchEntry struct {
	// Seen is when the watch read it (a tiles log records no time).
	Seen     time.Time
	LogIndex uint64
	Kind     string
	Signers  []model.Signer
}

// maxWatchLines bounds the overlay's list; older lines are dropped.
const maxWatchLines = 1000

// defaultWatchInterval is the pause between steps, as provscope watch's.
const defaultWatchInterval = 10 * time.Second

// WatchSteppedMsg carries a step's outcome for watch request id.
type WatchSteppedMsg struct {
	id    int
	w     Watcher
	step  WatchStep
	state WatchState
	err   error
	// released says the Cmd already ended the watch (it was cancelled).
	released bool
}

// watchFlow is the App's state of the watch overlay.
type watchFlow struct {
	watch      *watchState // nil before W and once the overlay is closed
	watchReq   int
	watchEvery watchInterval
}

// watchState is the running watch: its query, place, lines and the cancel
// of the Cmd in flight.
type watchState struct {
	q        WatchQuery
	st       WatchState
	w        Watcher
	cancel   context.CancelFunc
	inFlight bool
	stopped  bool
	steps    int
	matched  int
	status   string
	lines    []string
	off      int // lines scrolled up from the end
	err      error
}

// WithWatchInterval sets the pause between watch steps (0: none); the
// default is 10s.
func WithWatchInterval(d time.Duration) Option {
	return func(a *App) { a.watchEvery = watchInterval{d: d, set: true} }
}

// watchInterval is the pause between watch steps when set.
type watchInterval struct {
	d   time.Duration
	set bool
}

// watchCmd waits delay, then runs one step. When the watch was cancelled
// meanwhile, it releases the watch's state itself (the answer is stale).
func watchCmd(ctx context.Context, w Watcher, q WatchQuery, st WatchState, delay time.Duration, id int) tea.Cmd {
	return func() tea.Msg {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				w.EndWatch(st)
				return WatchSteppedMsg{id: id, w: w, state: st, err: ctx.Err(), released: true}
			case <-t.C:
			}
		}
		step, next, err := w.WatchStep(ctx, q, st)
		if ctx.Err() != nil {
			w.EndWatch(next)
			return WatchSteppedMsg{id: id, w: w, state: next, err: ctx.Err(), released: true}
		}
		return WatchSteppedMsg{id: id, w: w, step: step, state: next, err: err}
	}
}

// endWatchCmd releases a stopped watch's state.
func endWatchCmd(w Watcher, st WatchState) tea.Cmd {
	return func() tea.Msg { w.EndWatch(st); return nil }
}

// openWatch asks what to watch, the pinned signer filled in.
func (a *App) openWatch() tea.Cmd {
	if _, ok := a.c.Backend.(Watcher); !ok {
		a.status = "watching the log is not available with this backend"
		return nil
	}
	cmd := a.openPrompt(overlayWatchAsk, "watch: ", "alice@example.com https://accounts.example.com  or  key FILE")
	if s := a.signerSpec; s != "" && s != "none" && !strings.HasPrefix(s, "~") {
		a.input.SetValue(s)
	}
	return cmd
}

// watchAskKey edits the prompt; enter starts the watch.
func (a *App) watchAskKey(msg tea.KeyPressMsg) tea.Cmd {
	return a.promptKey(msg, func(spec string) tea.Cmd {
		q, err := parseWatchQuery(spec)
		if err != nil {
			a.status = "watch: " + err.Error()
			return nil
		}
		return a.startWatch(q)
	})
}

func (a *App) startWatch(q WatchQuery) tea.Cmd {
	w, ok := a.c.Backend.(Watcher)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(a.c.ctx())
	a.watchReq = a.nextID()
	a.watch = &watchState{q: q, w: w, cancel: cancel, inFlight: true, status: "reading the log's checkpoint…"}
	a.overlay = overlayWatch
	return watchCmd(ctx, w, q, WatchState{}, 0, a.watchReq)
}

// closeWatch stops the watch: the Cmd in flight is cancelled and releases
// the state itself; a stopped watch's state is released here.
func (a *App) closeWatch() tea.Cmd {
	a.overlay = overlayNone
	ws := a.watch
	a.watch = nil
	a.watchReq = a.nextID()
	if ws == nil {
		return nil
	}
	ws.cancel()
	if ws.inFlight {
		return nil
	}
	return endWatchCmd(ws.w, ws.st)
}

// handleWatchMsg applies a message of the watch overlay; ok is false
// for any other message.
func (a *App) handleWatchMsg(msg tea.Msg) (tea.Cmd, bool) {
	if wm, ok := msg.(WatchSteppedMsg); ok {
		return a.handleWatch(wm), true
	}
	return nil, false
}

// handleWatch takes a step's outcome and re-arms the watch; a stale one
// (the overlay was closed meanwhile) only has its state released.
func (a *App) handleWatch(msg WatchSteppedMsg) tea.Cmd {
	ws := a.watch
	if ws == nil || msg.id != a.watchReq {
		if msg.w == nil || msg.released {
			return nil // the Cmd released it
		}
		return endWatchCmd(msg.w, msg.state)
	}
	ws.inFlight = false
	ws.st = msg.state
	if msg.released { // the session ended
		ws.stopped, ws.status = true, "watch stopped"
		return nil
	}
	ws.steps++
	ts := a.c.now().UTC().Format("15:04:05Z")
	switch {
	case msg.err != nil:
		ws.err = msg.err
		ws.status = fmt.Sprintf("step %d at %s: could not read the log; retrying", ws.steps, ts)
	case msg.step.Problem != nil:
		ws.err, ws.stopped = nil, true
		ws.status = fmt.Sprintf("step %d at %s: ✗ the log failed verification; watch stopped", ws.steps, ts)
		a.pushWatchLine("✗ " + safe(msg.step.Problem.Error()))
		a.banner = "⚠ INCONSISTENT LOG (watch): " + msg.step.Problem.Error()
		a.layout()
		return nil
	default:
		ws.err = nil
		s := msg.step
		switch {
		case s.First:
			ws.status = fmt.Sprintf("step %d at %s: ✓ checkpoint %d verified", ws.steps, ts, s.To)
			a.pushWatchLine(fmt.Sprintf("✓ checkpoint %d verified · following from here", s.To))
		case s.To == s.From:
			ws.status = fmt.Sprintf("step %d at %s: ✓ checkpoint %d consistent, no new entry", ws.steps, ts, s.To)
		default:
			ws.status = fmt.Sprintf("step %d at %s: ✓ %d → %d consistent", ws.steps, ts, s.From, s.To)
			a.pushWatchLine(fmt.Sprintf("✓ %d → %d consistent · %d new, %d by this signer", s.From, s.To, s.Scanned, len(s.Entries)))
		}
		for _, e := range s.Entries {
			ws.matched++
			a.pushWatchLine(watchEntryLine(e))
		}
	}
	ctx, cancel := context.WithCancel(a.c.ctx())
	ws.cancel()
	ws.cancel, ws.inFlight = cancel, true
	a.watchReq = a.nextID()
	every := defaultWatchInterval
	if a.watchEvery.set {
		every = a.watchEvery.d
	}
	return watchCmd(ctx, ws.w, ws.q, ws.st, every, a.watchReq)
}

// watchEntryLine is one matching entry: time seen, log index, signers,
// kind, every foreign string sanitised and cut.
func watchEntryLine(e WatchEntry) string {
	who := make([]string, 0, len(e.Signers))
	for _, s := range e.Signers {
		who = append(who, short(s.String(), 48))
	}
	if len(who) == 0 {
		who = []string{"no signer"}
	}
	return fmt.Sprintf("%s  #%d  %s  %s", e.Seen.UTC().Format("15:04:05Z"), e.LogIndex, strings.Join(who, ", "), short(e.Kind, 20))
}

func (a *App) pushWatchLine(l string) {
	ws := a.watch
	ws.lines = append(ws.lines, l)
	if n := len(ws.lines) - maxWatchLines; n > 0 {
		ws.lines = append(ws.lines[:0], ws.lines[n:]...)
	}
	if ws.off > 0 {
		ws.off++ // keep the scrolled-to lines in place
	}
}

// watchKey scrolls the overlay; esc (or any other key) closes it and stops
// the watch.
func (a *App) watchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "ctrl+c":
		return tea.Batch(a.closeWatch(), tea.Quit)
	case a.scrollKey(msg, func(d int) { a.scrollWatch(-d) }, a.watchRows()): // off counts from the newest line, at the bottom
	default:
		return a.closeWatch()
	}
	return nil
}

func (a *App) watchRows() int { return max(a.helpRows()-1, 1) } // the status line

func (a *App) scrollWatch(d int) {
	if ws := a.watch; ws != nil {
		ws.off = max(min(ws.off+d, len(ws.lines)-a.watchRows()), 0)
	}
}

func (a *App) watchAskView() string {
	st := a.c.Styles
	bw := a.boxWidth()
	return strings.Join([]string{
		st.Detail.Heading.Render("Watch the log for new entries by"),
		a.input.View(st, bw),
		st.Detail.Note.Render(fit("IDENTITY [ISSUER]  certificate identity (a trailing * matches a prefix)", bw)),
		st.Detail.Note.Render(fit("key FILE           a PEM public key (a file of this machine)", bw)),
		st.Detail.Note.Render(fit("enter watch · esc cancel", bw)),
	}, "\n")
}

func (a *App) watchView() string {
	ws := a.watch
	if ws == nil {
		return ""
	}
	st := a.c.Styles
	bw := a.boxWidth()
	title := st.Detail.Heading.Render("Watching "+safe(ws.q.String())) +
		st.Detail.Note.Render(fmt.Sprintf("  %d found · esc stops", ws.matched))
	status := ws.status
	switch {
	case ws.err != nil:
		status = st.Pane.Error.Render("✗ "+safe(ws.err.Error())) + " · " + status
	case ws.stopped:
		status = st.Pane.Error.Render(status)
	}
	rows := a.watchRows()
	ws.off = max(min(ws.off, len(ws.lines)-rows), 0)
	end := len(ws.lines) - ws.off
	lines := ws.lines[max(end-rows, 0):end]
	out := make([]string, 0, len(lines)+2)
	out = append(out, fit(title, bw), fit(status, bw))
	for _, l := range lines {
		out = append(out, fit(l, bw))
	}
	if len(ws.lines) == 0 {
		out = append(out, fit(st.Detail.Note.Render("no entry by this signer yet"), bw))
	}
	if lipgloss.Width(out[0]) > bw {
		out[0] = fit(out[0], bw)
	}
	return strings.Join(out, "\n")
}
