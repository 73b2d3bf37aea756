package ui

// HEAD flow: the log head, read at start, on r and every RefreshInterval;
// each new head checked against the remembered checkpoint (recalled from
// the CheckpointMemory first) by an automatic consistency check, and c's
// manual one drawn in the proof pane; a verified head is remembered. Each
// answer carries the request ID of its kind and stale ones are dropped.

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// headFlow is the App's state of the head flow.
type headFlow struct {
	headReq     int
	tickReq     int
	consReq     int
	autoConsReq int
	recallReq   int
	// autoConsRunning is the head size an automatic consistency check is
	// running for (0: none).
	autoConsRunning int64
}

// RefreshHeadMsg asks the App to re-read the log head now (and check the
// new checkpoint's consistency with the previous one).
type RefreshHeadMsg struct{}

// logInfoMsg is the log head for request id.
type logInfoMsg struct {
	id   int
	info model.LogInfo
	err  error
}

// consistencyMsg is a consistency check's outcome: a manual one (c) for
// request consReq, an automatic one for autoConsReq.
type consistencyMsg struct {
	id       int
	manual   bool
	old, cur model.LogInfo
	proof    [][]byte
	// problem is proof's verdict against the log (a
	// *proof.InconsistentError, *proof.HeadMismatchError, …), worded as
	// `provscope loginfo` words it; err is a failure to check at all.
	problem error
	err     error
}

// tickMsg says it is time to re-read the log head (request tickReq).
type tickMsg struct{ id int }

// recalledMsg is the memory's answer: the checkpoint remembered for the
// tree of head (nil when none).
type recalledMsg struct {
	id         int
	head       model.LogInfo
	remembered *model.LogInfo
	err        error
}

// rememberedMsg says whether a verified head was written to the memory.
type rememberedMsg struct {
	cur    model.LogInfo
	stored bool
	err    error
}

// HeadChecker is implemented by a Backend that checks the log's head with
// provscope's one log-head watcher (inspect.CheckLog, as `provscope
// loginfo` and `provscope verify` do): the signed note verified and bound
// to the log's origin, equal to what the log reported, every remembered
// tree still listed and extended. The explorer then shows that verdict.
type HeadChecker interface {
	// CheckHead checks the log's current head. The error is for a check
	// that could not be carried out (the log unreachable).
	CheckHead(ctx context.Context) (HeadCheck, error)
}

// HeadCheck is the outcome of HeadChecker.CheckHead.
type HeadCheck struct {
	// Head is the active tree's head, its size and root the signed ones
	// (zero when its note did not verify).
	Head model.LogInfo
	// Remembered is the checkpoint the failing (else the active) tree was
	// held to, nil when none; Proof the consistency proof fetched for it.
	Remembered *model.LogInfo
	Proof      [][]byte
	// Problem is the first failure (nil when the log passed), typed by
	// proof/; Result has every step.
	Problem error
	Result  model.Result
}

// handleHeadMsg applies a message of the head flow; ok is false for any
// other message.
func (a *App) handleHeadMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case RefreshHeadMsg:
		return a.refreshHead(), true
	case logInfoMsg:
		return a.headLoaded(msg), true
	case recalledMsg:
		return a.recallAnswered(msg), true
	case rememberedMsg:
		if msg.err != nil {
			a.status = "✗ remembering checkpoint " + fmt.Sprint(msg.cur.TreeSize) + ": " + msg.err.Error()
		}
		return nil, true
	case tickMsg:
		if msg.id != a.tickReq {
			return nil, true
		}
		return a.refreshHead(), true
	case consistencyMsg:
		return a.consistencyChecked(msg), true
	}
	return nil, false
}

// headLoaded takes a log head (and arms the next refresh).
func (a *App) headLoaded(msg logInfoMsg) tea.Cmd {
	if msg.id != a.headReq {
		return nil
	}
	var cmds []tea.Cmd
	if a.c.RefreshInterval > 0 {
		a.tickReq = a.nextID()
		cmds = append(cmds, tickCmd(a.c.RefreshInterval, a.tickReq))
	}
	if msg.err != nil {
		a.s.headErr = fmt.Errorf("reading the log head: %w", msg.err)
		return tea.Batch(cmds...)
	}
	a.s.headErr = nil
	cur := msg.info
	a.s.head = &cur
	return tea.Batch(append(cmds, a.headArrived(cur))...)
}

// recallAnswered takes the memory's remembered checkpoint and checks the
// head against it.
func (a *App) recallAnswered(msg recalledMsg) tea.Cmd {
	if msg.id != a.recallReq {
		return nil
	}
	a.s.recalling, a.s.recalled = false, true
	switch {
	case msg.err != nil:
		a.s.forget = true
		a.status = "✗ reading the remembered checkpoint: " + msg.err.Error() + " (nothing will be remembered this session)"
		r := msg.head
		a.s.remembered = &r
		return nil
	case msg.remembered == nil:
		// First sight of this tree: remember its head. A head checker
		// still checks it (the log may have dropped a remembered tree
		// for this one) and remembers it itself.
		r := msg.head
		a.s.remembered = &r
		if _, ok := a.c.Backend.(HeadChecker); ok {
			return a.headArrived(msg.head)
		}
		return a.remember(nil, msg.head)
	}
	r := *msg.remembered
	a.s.remembered = &r
	if a.s.head != nil {
		return a.headArrived(*a.s.head)
	}
	return nil
}

// consistencyChecked takes a consistency check's outcome: a manual one is
// drawn in the proof pane, an automatic one only speaks when it failed;
// an inconsistent log raises the banner and stops remembering, a
// consistent head moves the remembered checkpoint on.
func (a *App) consistencyChecked(msg consistencyMsg) tea.Cmd {
	if (msg.manual && msg.id != a.consReq) || (!msg.manual && msg.id != a.autoConsReq) {
		return nil
	}
	if !msg.manual {
		a.autoConsRunning = 0
	}
	var tr *consistencyTrace
	var cmd tea.Cmd
	if msg.err == nil {
		// The trace only draws the proof; the verdict is proof/'s.
		t := traceConsistency(uint64(max(msg.old.TreeSize, 0)), uint64(max(msg.cur.TreeSize, 0)), msg.old.RootHash, msg.cur.RootHash, msg.proof) //nolint:gosec // G115: max(…, 0) is not negative
		t.Err = msg.problem
		tr = &t
		if msg.problem != nil {
			a.banner = "⚠ INCONSISTENT LOG: " + msg.problem.Error() + " — press c for the proof, e to export it"
			a.s.forget = true
		} else {
			if len(t.Nodes) > 0 {
				a.s.lastGrowth = tr
			}
			if h := a.s.head; h == nil || msg.cur.TreeSize > h.TreeSize {
				cur := msg.cur
				a.s.head = &cur
			}
			cmd = a.verifiedHead(msg.old, msg.cur)
		}
	}
	if msg.manual {
		a.proof.setConsistency(tr, msg.err)
	} else if msg.err != nil {
		a.s.headErr = msg.err
	}
	return cmd
}

func (a *App) refreshHead() tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	a.headReq = a.nextID()
	return logInfoCmd(a.c.ctx(), a.c.Backend, a.headReq)
}

func (a *App) checkConsistency() tea.Cmd {
	if a.c.Backend == nil {
		return nil
	}
	if a.s.remembered == nil {
		a.status = "no checkpoint remembered yet: the log head has not loaded"
		if a.s.headErr != nil {
			a.status += " (" + a.s.headErr.Error() + ")"
		}
		return a.refreshHead()
	}
	a.consReq = a.nextID()
	a.proof.consRunning, a.proof.cons, a.proof.consErr = true, nil, nil
	a.setFocus(PaneProof)
	return tea.Batch(consistencyCmd(a.c.ctx(), a.c.Backend, *a.s.remembered, nil, true, a.consReq), a.startSpin())
}

// headArrived checks a new log head against the remembered checkpoint:
// on the first head it asks the memory for one (or remembers this head),
// then every head that differs from it is proven consistent with it (with
// a HeadChecker backend, every head is checked by the log-head watcher).
func (a *App) headArrived(cur model.LogInfo) tea.Cmd {
	if r := a.s.remembered; r != nil && r.TreeID != "" && cur.TreeID != "" && r.TreeID != cur.TreeID {
		// The log moved to a new tree (shard): the remembered one is
		// another tree's, not comparable.
		a.s.remembered, a.s.recalled = nil, false
	}
	if a.s.recalling {
		return nil // the memory's answer will check this head
	}
	if a.s.remembered == nil {
		if mem, ok := a.c.Backend.(CheckpointMemory); ok && !a.s.recalled {
			a.s.recalling = true
			a.recallReq = a.nextID()
			return recallCmd(a.c.ctx(), mem, cur, a.recallReq)
		}
		r := cur
		a.s.remembered = &r
		return nil
	}
	old := *a.s.remembered
	_, checker := a.c.Backend.(HeadChecker)
	if !checker && old.TreeSize == cur.TreeSize && string(old.RootHash) == string(cur.RootHash) {
		return nil // a head checker checks every head: the log's other trees may have changed
	}
	if a.autoConsRunning == cur.TreeSize {
		return nil // already being checked
	}
	a.autoConsReq = a.nextID()
	a.autoConsRunning = cur.TreeSize
	return consistencyCmd(a.c.ctx(), a.c.Backend, old, &cur, false, a.autoConsReq)
}

// verifiedHead moves the remembered checkpoint on to cur, proven to extend
// old, and writes it to the memory unless the session stopped remembering.
func (a *App) verifiedHead(old, cur model.LogInfo) tea.Cmd {
	r := a.s.remembered
	if r == nil || r.TreeSize != old.TreeSize || string(r.RootHash) != string(old.RootHash) || cur.TreeSize < r.TreeSize {
		return nil // the remembered checkpoint moved on meanwhile
	}
	if cur.TreeSize == old.TreeSize && string(cur.RootHash) == string(old.RootHash) {
		return nil
	}
	c := cur
	a.s.remembered = &c
	return a.remember(&old, cur)
}

// remember writes cur to the memory (old is what it should still hold).
func (a *App) remember(old *model.LogInfo, cur model.LogInfo) tea.Cmd {
	mem, ok := a.c.Backend.(CheckpointMemory)
	if !ok || a.s.forget || cur.SignedTreeHead == "" {
		return nil
	}
	var o *model.LogInfo
	if old != nil {
		oc := *old
		o = &oc
	}
	return rememberCmd(a.c.ctx(), mem, o, cur)
}

func logInfoCmd(ctx context.Context, b Backend, id int) tea.Cmd {
	return func() tea.Msg {
		li, err := b.LogInfo(ctx)
		return logInfoMsg{id: id, info: li, err: err}
	}
}

func tickCmd(d time.Duration, id int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// consistencyCmd checks the log against old: with a HeadChecker backend,
// first the log-head watcher's verdict; then (a fresh head when cur is nil)
// the proof between old and the head, judged by proof.JudgeConsistency.
func consistencyCmd(ctx context.Context, b Backend, old model.LogInfo, cur *model.LogInfo, manual bool, id int) tea.Cmd {
	return func() tea.Msg {
		m := consistencyMsg{id: id, manual: manual, old: old}
		if hc, ok := b.(HeadChecker); ok {
			c, err := hc.CheckHead(ctx)
			if err != nil {
				m.err = fmt.Errorf("checking the log head: %w", err)
				return m
			}
			if c.Problem != nil {
				m.problem, m.cur, m.proof = c.Problem, c.Head, c.Proof
				if c.Remembered != nil {
					m.old = *c.Remembered
				}
				return m
			}
			h := c.Head
			cur = &h
		}
		if cur == nil {
			li, err := b.LogInfo(ctx)
			if err != nil {
				m.err = fmt.Errorf("fetching the log head: %w", err)
				return m
			}
			m.cur = li
		} else {
			m.cur = *cur
		}
		oc, cc := headCheckpoint(old), headCheckpoint(m.cur)
		if proof.ConsistencyProofNeeded(oc, cc) {
			m.proof, m.err = b.ConsistencyProof(ctx, old.TreeSize, m.cur.TreeSize)
			if m.err != nil {
				m.err = fmt.Errorf("fetching the consistency proof: %w", m.err)
				return m
			}
		}
		_, m.problem = proof.JudgeConsistency(proof.ConsistencyEvidence{
			TreeID: old.TreeID, Old: oc, OldNote: old.SignedTreeHead, New: &cc, NewNote: m.cur.SignedTreeHead, Proof: m.proof,
		})
		return m
	}
}

// headCheckpoint is a log head as the checkpoint proof/ judges. The
// backend's LogInfo returns the signed size and root (ui/backend refuses a
// head whose JSON differs from its note).
func headCheckpoint(h model.LogInfo) model.Checkpoint {
	var size uint64
	if h.TreeSize > 0 {
		size = uint64(h.TreeSize) //nolint:gosec // G115: checked positive
	}
	return model.Checkpoint{Size: size, RootHash: h.RootHash}
}

func recallCmd(ctx context.Context, m CheckpointMemory, head model.LogInfo, id int) tea.Cmd {
	return func() tea.Msg {
		r, err := m.Recall(ctx, head.TreeID)
		return recalledMsg{id: id, head: head, remembered: r, err: err}
	}
}

func rememberCmd(ctx context.Context, m CheckpointMemory, old *model.LogInfo, cur model.LogInfo) tea.Cmd {
	return func() tea.Msg {
		ok, err := m.Remember(ctx, old, cur)
		return rememberedMsg{cur: cur, stored: ok, err: err}
	}
}
