// provscope's exit codes and the errors that carry them through cobra.

package cli

import (
	"errors"
	"fmt"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/client"
)

// Exit codes shared by every command.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsageErr = 2
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

// failed wraps err so that provscope exits 1 (verification failed).
func failed(err error) error { return &exitError{code: exitFailed, err: err} }

// usageErr wraps err so that provscope exits 2 (usage or input error).
func usageErr(err error) error { return &exitError{code: exitUsageErr, err: err} }

// errSilentFailure makes provscope exit 1 after a command has already printed
// why (for example a verification report that shows the failing step).
var errSilentFailure = errors.New("verification failed")

// logQueryErr is the exit status for a log's answer to a query: a 4xx
// other than 404 (not found) and 429 (rate limited) means the log refused
// the input as malformed, an input error (exit 2); anything else is a
// failure (exit 1).
func logQueryErr(err error) error {
	var he *client.HTTPError
	if errors.As(err, &he) && he.Status >= 400 && he.Status < 500 && he.Status != 404 && he.Status != 429 {
		return usageErr(fmt.Errorf("the log refused the query as malformed input: %w", err))
	}
	return failed(err)
}

// exitUnpinned is the exit code for "intact and logged, signer not pinned".
const exitUnpinned = 3

// verdictExit is the exit status for an image verdict: nil for verified,
// exit 3 for unpinned, exit 1 for anything else (the report already says
// why).
func verdictExit(v model.Verdict) error {
	switch v {
	case model.VerdictVerified:
		return nil
	case model.VerdictUnpinned:
		return &exitError{code: exitUnpinned, err: errSilentFailure}
	}
	return failed(errSilentFailure)
}
