package ui

// COMMANDS. Each flow declares its Cmds next to its messages and handler
// (ui/flow_*.go, ui/timeline.go, ui/watch.go). Every Cmd captures copies of
// its inputs (the backend interface value, strings, slices it does not
// share) and a request ID; the result message carries the ID back so the
// flow's handler can drop stale answers. Nothing reads the App from
// another goroutine. This file holds what the flows share: the errors that
// say a failure is not worth a retry.

import (
	"errors"
)

// ErrInvalidQuery marks a search typed wrong, such as a shortened digest:
// an input error, not a failure of the log, so the explorer offers no
// retry. Backends wrap it.
var ErrInvalidQuery = errors.New("invalid search")

// ErrNotPermitted marks an action this session may not take (a capability
// it lacks, such as reading a file on an SSH server): retrying cannot
// help, so the explorer offers no retry. Backends wrap it.
var ErrNotPermitted = errors.New("not permitted in this session")

// retryable reports whether err is worth a retry: not an input error and
// not a refusal.
func retryable(err error) bool {
	return !errors.Is(err, ErrInvalidQuery) && !errors.Is(err, ErrNotPermitted)
}
