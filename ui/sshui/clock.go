package sshui

import "time"

// clock is the time source of the idle timeout: when input last arrived
// and when to look again. The server uses the real one; tests drive a fake
// one, so no test depends on how fast the machine runs.
type clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, like
	// time.AfterFunc.
	AfterFunc(d time.Duration, f func()) timer
}

// timer is the part of *time.Timer the idle timeout uses.
type timer interface {
	Reset(d time.Duration) bool
	Stop() bool
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }
