package model

import (
	"fmt"
	"strings"
)

// Status is the outcome of one verification step.
type Status int

const (
	// StatusPending means the step has not run yet.
	StatusPending Status = iota
	// StatusPass means the step ran and its check held.
	StatusPass
	// StatusFail means the step ran and its check did not hold.
	StatusFail
	// StatusSkipped means the step did not apply (for example no SET in a
	// Rekor v2 entry) or could not run because an earlier step failed.
	StatusSkipped
)

// String returns the lower-case name of s, as used in JSON output.
func (s Status) String() string {
	switch s {
	case StatusPending:
		return "pending"
	case StatusPass:
		return "pass"
	case StatusFail:
		return "fail"
	case StatusSkipped:
		return "skipped"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText encodes s as its String.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a Status written by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	for _, c := range []Status{StatusPending, StatusPass, StatusFail, StatusSkipped} {
		if c.String() == string(b) {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", b)
}

// Evidence is one labelled value that a step looked at: a hash, a key
// fingerprint, a size. Values are already rendered as text (hex, decimal).
type Evidence struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Step is one check in a verification: what was checked, the outcome, a
// one-line detail in plain language and the values it compared.
type Step struct {
	// Name is a short stable identifier such as "inclusion-proof".
	Name string `json:"name"`
	// Title is the human label, such as "Inclusion proof".
	Title    string     `json:"title"`
	Status   Status     `json:"status"`
	Detail   string     `json:"detail,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Err is the typed error behind a failed step; it is not serialised
	// (Detail carries its text).
	Err error `json:"-"`
}

// Verdict is the overall outcome of verifying one subject.
type Verdict int

const (
	// VerdictPending: verification has not finished.
	VerdictPending Verdict = iota
	// VerdictVerified: every step that applies passed.
	VerdictVerified
	// VerdictFailed: at least one step failed.
	VerdictFailed
	// VerdictUnsigned: the image carries no signature at all.
	VerdictUnsigned
	// VerdictNotLogged: a signature exists but the log has no entry for it
	// ("stealth signing").
	VerdictNotLogged
	// VerdictError: verification could not be carried out (network, bad
	// input); says nothing about the subject's validity.
	VerdictError
	// VerdictUnpinned: a signature is intact and logged, but no signer
	// policy said whose it must be, so anyone's (an attacker's own logged
	// key too) would pass. Never "verified": proof.ImageVerdict decides.
	VerdictUnpinned
)

// String returns the lower-case name of v, as used in JSON output.
func (v Verdict) String() string {
	switch v {
	case VerdictPending:
		return "pending"
	case VerdictVerified:
		return "verified"
	case VerdictFailed:
		return "failed"
	case VerdictUnsigned:
		return "unsigned"
	case VerdictNotLogged:
		return "not-logged"
	case VerdictError:
		return "error"
	case VerdictUnpinned:
		return "unpinned"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// MarshalText encodes v as its String.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a Verdict written by MarshalText.
func (v *Verdict) UnmarshalText(b []byte) error {
	for c := VerdictPending; c <= VerdictUnpinned; c++ {
		if c.String() == string(b) {
			*v = c
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", b)
}

// Result is the outcome of verifying one subject (a bundle, a log entry, a
// checkpoint, an image's signature): the ordered steps and the verdict they
// add up to.
type Result struct {
	// Subject names what was verified, such as "entry 24296fb2…" or an
	// image reference.
	Subject string `json:"subject"`
	Steps   []Step `json:"steps"`
	// Override, when not VerdictPending, replaces the verdict derived from
	// the steps (VerdictUnsigned, VerdictNotLogged and VerdictError carry
	// information that pass/fail steps cannot).
	Override Verdict `json:"-"`
}

// Add appends a step and returns it for further editing.
func (r *Result) Add(s Step) *Step {
	r.Steps = append(r.Steps, s)
	return &r.Steps[len(r.Steps)-1]
}

// Pass appends a passing step.
func (r *Result) Pass(name, title, detail string, ev ...Evidence) {
	r.Add(Step{Name: name, Title: title, Status: StatusPass, Detail: detail, Evidence: ev})
}

// Fail appends a failing step carrying err; its Detail is err's text.
func (r *Result) Fail(name, title string, err error, ev ...Evidence) {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	r.Add(Step{Name: name, Title: title, Status: StatusFail, Detail: detail, Err: err, Evidence: ev})
}

// Skip appends a skipped step with the reason it did not run.
func (r *Result) Skip(name, title, why string) {
	r.Add(Step{Name: name, Title: title, Status: StatusSkipped, Detail: why})
}

// FirstFailure returns the first failed step, or nil when none failed.
func (r *Result) FirstFailure() *Step {
	for i := range r.Steps {
		if r.Steps[i].Status == StatusFail {
			return &r.Steps[i]
		}
	}
	return nil
}

// Verdict derives the overall verdict: the Override when set; otherwise
// failed when any step failed, pending when any step is pending or there are
// no steps, and verified when every step passed or was skipped with at least
// one passing.
func (r *Result) Verdict() Verdict {
	if r.Override != VerdictPending {
		return r.Override
	}
	if len(r.Steps) == 0 {
		return VerdictPending
	}
	passed := false
	for _, s := range r.Steps {
		switch s.Status {
		case StatusFail:
			return VerdictFailed
		case StatusPending:
			return VerdictPending
		case StatusPass:
			passed = true
		}
	}
	if !passed {
		return VerdictPending
	}
	return VerdictVerified
}

// Reason is the plain-language reason for the verdict: the first failure's
// title and detail, or a short sentence for the other verdicts.
func (r *Result) Reason() string {
	if f := r.FirstFailure(); f != nil {
		if f.Detail == "" {
			return f.Title + " failed"
		}
		return f.Title + ": " + f.Detail
	}
	switch r.Verdict() {
	case VerdictVerified:
		return "all checks passed"
	case VerdictUnsigned:
		return "no signature is attached"
	case VerdictNotLogged:
		return "no log entry records this signature"
	case VerdictUnpinned:
		return "intact and logged, signer not pinned"
	case VerdictPending:
		return "verification has not finished"
	case VerdictError:
		var b strings.Builder
		b.WriteString("verification could not be carried out")
		for _, s := range r.Steps {
			if s.Detail != "" && s.Status != StatusPass {
				b.WriteString(": " + s.Detail)
				break
			}
		}
		return b.String()
	}
	return ""
}
