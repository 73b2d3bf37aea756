package sshui

import (
	"context"
	"io"
	"sync"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// Why sessions do not let Bubble Tea read their input.
//
// Bubble Tea's input reader (tea.WithInput) decodes what it reads into
// events and sends each one on the program's message channel without
// looking at whether the program still runs (ultraviolet's
// TerminalReader.sendEvents). When a session ends with keystrokes unread
// (q followed by anything, a paste, a disconnect mid-burst) nobody receives
// them again: the reader's goroutine blocks forever and keeps the whole
// program alive, renderer buffers included (about 0.7 MB at 80x24, more for
// larger terminals). Over SSH that is one leak per session, for the life of
// the server.
//
// So the program gets an input that yields nothing (idleInput): it still
// sends its terminal queries (background colour, keyboard enhancements),
// since its input is not disabled, but its own reader never has an event to
// deliver. The session's real input goes through pumpInput instead, which
// decodes it with the same ultraviolet reader and hands each event to the
// program with Program.Send, which returns at once once the program has
// ended. The events are the same values Bubble Tea's reader would send, and
// the program translates them the same way (they arrive on the same
// channel).

// idleInput is the input Bubble Tea's own reader gets: nothing, and the end
// of input once ctx (the session's) is done.
type idleInput struct{ ctx context.Context }

func (r idleInput) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, io.EOF
}

// programSink hands events to a program until the session ends, and then
// lets go of the program so that nothing the pump still holds keeps it
// alive.
type programSink struct {
	mu sync.Mutex
	p  *tea.Program
}

func (s *programSink) send(ev uv.Event) {
	s.mu.Lock()
	p := s.p
	s.mu.Unlock()
	if p != nil {
		p.Send(ev) // returns at once once p has ended
	}
}

func (s *programSink) release() {
	s.mu.Lock()
	s.p = nil
	s.mu.Unlock()
}

// pumpInput decodes in (a session's input, for terminal type term) into
// events and sends them to p until in ends. It drops p when ctx ends and
// keeps draining what in still delivers, so neither of its goroutines can
// block on a program that no longer reads; both end once in returns an
// error, which a session's input does when its channel closes (the server
// closes it as the session ends). It returns a channel closed when both
// goroutines have ended.
func pumpInput(ctx context.Context, in io.Reader, term string, p *tea.Program) <-chan struct{} {
	sink := &programSink{p: p}
	stop := context.AfterFunc(ctx, sink.release)
	events := make(chan uv.Event)
	done := make(chan struct{})
	go func() {
		for ev := range events {
			sink.send(ev)
		}
		close(done)
	}()
	go func() {
		defer close(events)
		defer stop()
		// The error is the end of the session's input; trackedSession
		// has already recorded it and ended the session.
		_ = uv.NewTerminalReader(in, term).StreamEvents(ctx, events)
	}()
	return done
}
