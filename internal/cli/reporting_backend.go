// An SSH session's backend: it records each verification in the session's
// log line; pinning a signer in the explorer keeps the wrapper.

package cli

import (
	"context"
	"os"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/sshui"
)

// reportingBackend is a session's backend that records each verification
// (subject and verdict) in the session's log line.
type reportingBackend struct {
	ui.Backend
	info sshui.SessionInfo
}

// LogKeyPinned implements ui.LogKeyReporter through the wrapped backend,
// so that a session's header says so when the log's key is not pinned.
func (r *reportingBackend) LogKeyPinned() bool {
	if p, ok := r.Backend.(ui.LogKeyReporter); ok {
		return p.LogKeyPinned()
	}
	return true
}

// headCheckingBackend is a reportingBackend over a backend with the
// log-head watcher (ui.HeadChecker): SSH sessions judge log heads exactly
// as the local explorer, `loginfo` and `verify` do.
type headCheckingBackend struct {
	*reportingBackend
	hc ui.HeadChecker
}

// CheckHead implements ui.HeadChecker through the wrapped backend.
func (h headCheckingBackend) CheckHead(ctx context.Context) (ui.HeadCheck, error) {
	return h.hc.CheckHead(ctx) //nolint:wrapcheck // the UI shows the watcher's own error
}

// newReportingBackend wraps b for one session; it keeps b's log-head
// watcher when b has one, so that wrapping never weakens the head check.
func newReportingBackend(b ui.Backend, info sshui.SessionInfo) ui.Backend {
	r := &reportingBackend{Backend: b, info: info}
	if hc, ok := b.(ui.HeadChecker); ok {
		return headCheckingBackend{reportingBackend: r, hc: hc}
	}
	return r
}

// Recall implements ui.CheckpointMemory through the wrapped backend's
// memory (the server's state directory, shared by its sessions), if it
// has one.
func (r *reportingBackend) Recall(ctx context.Context, treeID string) (*model.LogInfo, error) {
	if m, ok := r.Backend.(ui.CheckpointMemory); ok {
		return m.Recall(ctx, treeID) //nolint:wrapcheck // the UI shows the memory's own error
	}
	return nil, nil
}

// Remember implements ui.CheckpointMemory through the wrapped backend's
// memory, if it has one.
func (r *reportingBackend) Remember(ctx context.Context, old *model.LogInfo, cur model.LogInfo) (bool, error) {
	if m, ok := r.Backend.(ui.CheckpointMemory); ok {
		return m.Remember(ctx, old, cur) //nolint:wrapcheck // the UI shows the memory's own error
	}
	return false, nil
}

var _ ui.HostWriter = (*reportingBackend)(nil)

// MkdirAll implements ui.HostWriter through the wrapped backend, which
// refuses unless its capabilities allow host writes; a backend that does
// not decide (the fake world) is refused here.
func (r *reportingBackend) MkdirAll(path string, perm os.FileMode) error {
	if hw, ok := r.Backend.(ui.HostWriter); ok {
		return hw.MkdirAll(path, perm) //nolint:wrapcheck // the UI shows the backend's own error
	}
	return &backend.CapabilityError{Capability: "WriteHostFiles", Op: "writing files on the host"}
}

// WriteFile implements ui.HostWriter like MkdirAll.
func (r *reportingBackend) WriteFile(name string, data []byte, perm os.FileMode) error {
	if hw, ok := r.Backend.(ui.HostWriter); ok {
		return hw.WriteFile(name, data, perm) //nolint:wrapcheck // the UI shows the backend's own error
	}
	return &backend.CapabilityError{Capability: "WriteHostFiles", Op: "writing files on the host"}
}

// Verify verifies through the wrapped backend and records the outcome.
func (r *reportingBackend) Verify(ctx context.Context, s ui.Subject, progress func(model.Step)) (model.Result, error) {
	res, err := r.Backend.Verify(ctx, s, progress)
	subject := res.Subject
	if subject == "" {
		subject = s.Name()
	}
	verdict := res.Verdict()
	if err != nil {
		verdict = model.VerdictError
	}
	r.info.RecordVerification(subject, verdict)
	return res, err //nolint:wrapcheck // the UI shows the backend's own error
}
