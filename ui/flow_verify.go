package ui

// VERIFY flow: verifying the selected image or entry on v (its steps
// streamed into the detail pane as they happen) and pinning a signer on P.
// A verification's events carry its request ID, checked against the one
// its subject's verification holds; a pinned signer's answer carries the
// request ID of the last P.

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui/theme"
)

// verifyFlow is the App's state of the verify flow.
type verifyFlow struct {
	signerReq int
	// signerGen counts the signers pinned in this session: image verdicts
	// of an earlier one are stale.
	signerGen int
	// signerSpec is the signer last pinned with P ("none" for unpinned),
	// re-pinned after a log switch; "" when P was never used.
	signerSpec string
}

// verifyEventMsg is one step or the end of a verification stream.
type verifyEventMsg struct {
	key  string
	id   int
	step *model.Step
	done bool
	res  model.Result
	err  error
	next <-chan verifyEventMsg
}

// signerPinnedMsg is a backend that requires the signer spec names (label
// says whom, "" for unpinned) for request id.
type signerPinnedMsg struct {
	id      int
	spec    string
	backend Backend
	label   string
	err     error
}

// handleVerifyMsg applies a message of the verify flow; ok is false for
// any other message.
func (a *App) handleVerifyMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case verifyEventMsg:
		return a.verifyEvent(msg), true
	case signerPinnedMsg:
		if msg.id != a.signerReq {
			return nil, true
		}
		if msg.err != nil {
			a.status = "✗ signer: " + msg.err.Error()
			return nil, true
		}
		return a.signerPinned(msg), true
	}
	return nil, false
}

// verifyEvent adds a streamed step to its verification and waits for the
// next one, or ends the verification with its result; the status line
// names the verdict and, on a failure, its first reason.
func (a *App) verifyEvent(msg verifyEventMsg) tea.Cmd {
	v := a.s.results[msg.key]
	if v == nil || v.id != msg.id {
		return nil // stale: a newer verification replaced it
	}
	if msg.step != nil {
		v.steps = append(v.steps, *msg.step)
		return waitVerify(msg.next)
	}
	if !msg.done {
		return nil
	}
	v.running = false
	res := msg.res
	v.result, v.err = &res, msg.err
	if len(v.steps) == 0 || len(res.Steps) >= len(v.steps) {
		v.steps = res.Steps
	}
	a.status = v.subject + ": " + theme.VerdictWord(v.verdict())
	if vd := v.verdict(); v.err == nil && vd != model.VerdictVerified && vd != model.VerdictPending {
		a.status += " · " + res.Reason() // the first failure, without scrolling the steps
		if a.detail.subjectKey() == msg.key {
			a.detail.revealFailure()
		}
	}
	return nil
}

func (a *App) verifySelection() tea.Cmd {
	if a.c.Backend == nil {
		a.status = "nothing to verify against: no backend"
		return nil
	}
	var subj Subject
	var key string
	if a.entryFocused() {
		e, ok := a.entries.current()
		if a.focus == PaneDetail && a.detail.entry != nil {
			e, ok = *a.detail.entry, true
		}
		if !ok {
			a.status = "no entry selected"
			return nil
		}
		subj, key = Subject{Entry: &e}, entryKey(e.UUID)
		a.detail.showEntry(&e)
	} else {
		ref := a.selImage
		if r, ok := a.images.current(); ok && r.kind != rowRepo && a.focus == PaneImages {
			ref = r.ref
		}
		if ref == "" {
			a.status = "select an image (a tag) to verify"
			return nil
		}
		subj = Subject{Ref: ref}
		if is := a.s.images[ref]; is != nil && is.loaded {
			img := is.img
			subj.Image = &img
			subj.Attachments = append([]model.Attachment(nil), is.atts...)
		}
		key = imageKey(ref)
		if ref != a.selImage {
			a.selImage = ref
		}
		a.detail.showImage(ref)
	}
	id := a.nextID()
	a.s.results[key] = &verification{subject: subj.Name(), id: id, running: true}
	if a.focus != PaneDetail && a.c.Width < gridW {
		// One pane at a time: show the steps as they arrive.
		a.setFocus(PaneDetail)
	}
	return tea.Batch(verifyCmd(a.c.ctx(), a.c.Backend, subj, key, id), a.startSpin())
}

// pinSigner asks for a backend requiring the signer spec names.
func (a *App) pinSigner(spec string) tea.Cmd {
	if a.c.PinSigner == nil || a.c.Backend == nil {
		return nil
	}
	a.signerReq = a.nextID()
	a.status = "pinning signer " + spec + "…"
	return pinSignerCmd(a.c.ctx(), a.c.PinSigner, a.c.Backend, spec, a.signerReq)
}

// signerPinned switches to a backend that requires another signer: every
// image verdict is stale (entry verdicts do not depend on the signer), so
// they are dropped and the loaded images verified again.
func (a *App) signerPinned(msg signerPinnedMsg) tea.Cmd {
	a.c.Backend, a.c.Signer = msg.backend, msg.label
	a.signerSpec = msg.spec
	a.signerGen++
	a.dropImageVerdicts()
	a.images.rebuild()
	if msg.label == "" {
		a.status = "signer unpinned: each signature is checked against the key its own log entry records"
	} else {
		a.status = "signer pinned: " + msg.label + " · images verifying again"
	}
	return a.queueVisibleImages()
}

// verifyCmd starts a verification and returns its first event; Update
// re-arms waitVerify on the channel for each following one.
func verifyCmd(ctx context.Context, b Backend, s Subject, key string, id int) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan verifyEventMsg, 8)
		go func() {
			defer close(ch)
			send := func(m verifyEventMsg) bool {
				m.key, m.id, m.next = key, id, ch
				select {
				case ch <- m:
					return true
				case <-ctx.Done():
					return false
				}
			}
			res, err := b.Verify(ctx, s, func(st model.Step) {
				st2 := st
				send(verifyEventMsg{step: &st2})
			})
			send(verifyEventMsg{done: true, res: res, err: err})
		}()
		return waitVerify(ch)()
	}
}

func waitVerify(ch <-chan verifyEventMsg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

func pinSignerCmd(ctx context.Context, pin func(context.Context, Backend, string) (Backend, string, error), b Backend, spec string, id int) tea.Cmd {
	return func() tea.Msg {
		nb, label, err := pin(ctx, b, spec)
		return signerPinnedMsg{id: id, spec: spec, backend: nb, label: label, err: err}
	}
}
