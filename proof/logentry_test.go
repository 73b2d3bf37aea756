package proof

import (
	"errors"
	"fmt"
	"testing"

	"github.com/provscope/provscope/model"
)

func TestJudgeLogEntry(t *testing.T) {
	bundleBody := []byte(`{"kind":"hashedrekord"}`)
	same := &model.LogEntry{Body: bundleBody, LogIndex: 7, UUID: "abc"}
	other := &model.LogEntry{Body: []byte(`{"kind":"hashedrekord","x":1}`), LogIndex: 7, UUID: "abc"}
	missing := &MissingEntryError{Index: 7, Covered: 9}
	how := model.Evidence{Label: "looked up leaf hash", Value: "ff"}
	unreachable := errors.New("dial tcp: connection refused")
	const cannotTell = "cannot tell whether the log holds it: no lookup of the entry by leaf hash was possible"
	bundle := func(e LogEntryEvidence) LogEntryEvidence {
		e.FromBundle, e.BundleIndex, e.BundleBody, e.Kind = true, 7, bundleBody, model.AttachSignature
		return e
	}
	lookup := func(e LogEntryEvidence) LogEntryEvidence {
		e.Kind, e.LogURL, e.How = model.AttachSignature, "https://log.example", how
		return e
	}
	tests := []struct {
		name     string
		ev       LogEntryEvidence
		status   model.Status
		detail   string
		override model.Verdict
		final    bool
	}{
		{"bundle entry held", bundle(LogEntryEvidence{Online: same}), model.StatusPass, "the log holds the bundle's entry at index 7", model.VerdictPending, false},
		// Hostile: the log's entry under the bundle's leaf hash is another body.
		{"bundle entry other body", bundle(LogEntryEvidence{Online: other}), model.StatusFail, "the log's entry for this leaf hash has another body", model.VerdictPending, false},
		{"bundle entry not held", bundle(LogEntryEvidence{Fetch: FetchNotFound, Err: errors.New("not found")}), model.StatusFail, "the bundle names an entry (index 7) that the log does not hold", model.VerdictPending, false},
		{"bundle entry not held, proven missing", bundle(LogEntryEvidence{Fetch: FetchNotFound, Missing: missing}), model.StatusFail, "the bundle names an entry (index 7) that the log does not hold: " + missing.Error(), model.VerdictPending, false},
		{"bundle entry not held, missing not proven", bundle(LogEntryEvidence{Fetch: FetchNotFound, Missing: errors.New("cannot read the head")}), model.StatusFail, "the bundle names an entry (index 7) that the log does not hold", model.VerdictPending, false},
		{"bundle log unreachable", bundle(LogEntryEvidence{Fetch: FetchFailed, Err: unreachable}), model.StatusFail, unreachable.Error(), model.VerdictError, true},
		{"found online", lookup(LogEntryEvidence{Online: same, Logged: LoggedYes}), model.StatusPass, "found online at index 7 (no bundle attached)", model.VerdictPending, false},
		{"found online with note", lookup(LogEntryEvidence{Online: same, Logged: LoggedYes, Note: "the index is best effort"}), model.StatusPass, "found online at index 7 (no bundle attached); the index is best effort", model.VerdictPending, false},
		{"cannot tell", lookup(LogEntryEvidence{Logged: LoggedCannotTell, Note: cannotTell}), model.StatusSkipped, cannotTell, model.VerdictError, true},
		{"cannot tell after a failure", lookup(LogEntryEvidence{Logged: LoggedCannotTell, Note: cannotTell, EarlierFailure: true}), model.StatusSkipped, cannotTell, model.VerdictPending, true},
		{"stealth", lookup(LogEntryEvidence{Logged: LoggedNo}), model.StatusFail, "no log entry records this signature: it was never uploaded (stealth signing)", model.VerdictNotLogged, true},
		// Hostile: a signature that does not verify is not called stealth.
		{"not logged, signature failed", lookup(LogEntryEvidence{Logged: LoggedNo, EarlierFailure: true}), model.StatusFail, "no log entry records this signature: it was never uploaded (stealth signing)", model.VerdictPending, true},
		{"lookup failed", lookup(LogEntryEvidence{Fetch: FetchFailed, Err: unreachable}), model.StatusFail, unreachable.Error(), model.VerdictError, true},
		// A lookup's "not found" error is a lookup that could not be made,
		// never evidence of absence.
		{"lookup not found error", lookup(LogEntryEvidence{Fetch: FetchNotFound, Err: errors.New("404")}), model.StatusFail, "404", model.VerdictError, true},
		{"unreadable", lookup(LogEntryEvidence{Fetch: FetchUnreadable, Err: errors.New("nothing to look up: parsing dsse envelope: no signatures")}), model.StatusFail, "nothing to look up: parsing dsse envelope: no signatures", model.VerdictPending, true},
		// Hostile gatherer: "logged" with no entry cannot pass.
		{"logged without entry", lookup(LogEntryEvidence{Logged: LoggedYes}), model.StatusFail, "the lookup said the log holds the entry but produced none", model.VerdictPending, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := JudgeLogEntry(tt.ev)
			if j.Step.Name != StepLogEntry || j.Step.Title != "Log entry" {
				t.Errorf("step %q %q, want %q %q", j.Step.Name, j.Step.Title, StepLogEntry, "Log entry")
			}
			if j.Step.Status != tt.status || j.Step.Detail != tt.detail {
				t.Errorf("step %v %q, want %v %q", j.Step.Status, j.Step.Detail, tt.status, tt.detail)
			}
			if j.Override != tt.override || j.Final != tt.final {
				t.Errorf("override %v final %v, want %v %v", j.Override, j.Final, tt.override, tt.final)
			}
		})
	}
}

func TestJudgeLogEntryEvidence(t *testing.T) {
	missing := &MissingEntryError{Index: 3, Covered: 4}
	j := JudgeLogEntry(LogEntryEvidence{FromBundle: true, BundleIndex: 3, Fetch: FetchNotFound, Missing: missing})
	if !errors.Is(j.Step.Err, missing) {
		t.Errorf("step error %v does not wrap the MissingEntryError", j.Step.Err)
	}
	j = JudgeLogEntry(LogEntryEvidence{Online: &model.LogEntry{UUID: "u1", LogIndex: 1}, Logged: LoggedYes})
	if len(j.Step.Evidence) != 1 || j.Step.Evidence[0] != (model.Evidence{Label: "uuid", Value: "u1"}) {
		t.Errorf("evidence %v, want the entry's uuid", j.Step.Evidence)
	}
	how := model.Evidence{Label: "searched payload hash", Value: "sha256:aa"}
	j = JudgeLogEntry(LogEntryEvidence{Kind: model.AttachAttestation, Logged: LoggedNo, How: how, LogURL: "https://log.example"})
	want := fmt.Sprint([]model.Evidence{how, {Label: "log", Value: "https://log.example"}})
	if got := fmt.Sprint(j.Step.Evidence); got != want || j.Step.Detail != "no log entry records this attestation: it was never uploaded (stealth signing)" {
		t.Errorf("stealth attestation: %q %s", j.Step.Detail, got)
	}
}
