package proof

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/provscope/provscope/model"
)

// StepLogEntry is the step that says whether the log holds a legacy
// signature's or attestation's entry.
const StepLogEntry = "log-entry"

// logEntryTitle is the title of the StepLogEntry step.
const logEntryTitle = "Log entry"

// EntryFetch is how asking the log for an entry went, as the gatherer
// classified its error.
type EntryFetch int

// The outcomes of asking the log for an entry.
const (
	// FetchOK: the log answered (with an entry, or, for a lookup, with what
	// Logged says).
	FetchOK EntryFetch = iota
	// FetchNotFound: the log answered that it holds no entry under the
	// bundle's leaf hash. Without a bundle, Logged says what a lookup found
	// and a lookup that ends in "not found" could not be made (FetchFailed).
	FetchNotFound
	// FetchUnreadable: nothing could be looked up because the attachment
	// itself cannot be read (a failed check, not a failure of the log).
	FetchUnreadable
	// FetchFailed: the log could not be asked, or answered with an error.
	FetchFailed
)

// LogEntryEvidence is what was gathered about a legacy attachment's log
// entry: either the entry its attached bundle names, checked against the
// log's entry for the same leaf hash, or, without a bundle, what looking it
// up in the log found (DecideLogged). Every field but LogURL is hostile.
type LogEntryEvidence struct {
	Kind model.AttachmentKind
	// LogURL is the log asked, quoted as evidence.
	LogURL string
	// FromBundle says the entry is the attached bundle's: BundleIndex and
	// BundleBody are what the bundle claims; Missing is the log's answer
	// about that index when it holds no entry for the leaf hash (a
	// *MissingEntryError when the log proves it lacks it).
	FromBundle  bool
	BundleIndex int64
	BundleBody  []byte
	Missing     error
	// Online is the entry the log answered with (nil when none).
	Online *model.LogEntry
	// Fetch and Err say how asking the log went.
	Fetch EntryFetch
	Err   error
	// Logged, Note and How are the lookup's answer (no bundle):
	// DecideLogged's verdict and note, and how it looked.
	Logged Logged
	Note   string
	How    model.Evidence
	// EarlierFailure says a step before this one failed (the signature, the
	// signed digest): only an otherwise valid signature is called stealth,
	// and "cannot tell" does not hide a failure.
	EarlierFailure bool
}

// LogEntryJudgement is JudgeLogEntry's answer.
type LogEntryJudgement struct {
	Step model.Step
	// Override replaces the attachment's verdict when it is not
	// VerdictPending: error (the log could not tell), not-logged (stealth).
	Override model.Verdict
	// Final says the entry's own checks (SET, inclusion proof, checkpoint)
	// do not follow: there is no entry to check, or the log could not be
	// asked.
	Final bool
}

// JudgeLogEntry decides the log-entry step from ev. A bundle's entry passes
// only when the log holds the same body under its leaf hash; a bundle that
// names an entry the log does not hold, or whose leaf hash the log records
// with another body, fails (its own checks still follow). Without a bundle,
// an entry the lookup found passes; "cannot tell" is skipped with verdict
// error, never "not logged"; an absent entry fails, and is stealth signing
// (verdict not-logged) only when nothing failed before. A log that cannot be
// asked is verdict error.
func JudgeLogEntry(ev LogEntryEvidence) LogEntryJudgement {
	switch {
	case ev.Fetch == FetchUnreadable:
		return LogEntryJudgement{Step: logEntryFail(ev.Err), Final: true}
	case ev.Fetch == FetchFailed, ev.Fetch == FetchNotFound && !ev.FromBundle:
		return LogEntryJudgement{Step: logEntryFail(ev.Err), Override: model.VerdictError, Final: true}
	}
	if ev.FromBundle {
		return LogEntryJudgement{Step: judgeBundleEntry(ev)}
	}
	return judgeLookedUpEntry(ev)
}

// judgeBundleEntry is the step for an attached bundle's entry.
func judgeBundleEntry(ev LogEntryEvidence) model.Step {
	switch {
	case ev.Fetch == FetchNotFound:
		if errors.As(ev.Missing, new(*MissingEntryError)) {
			return logEntryFail(fmt.Errorf("the bundle names an entry (index %d) that the log does not hold: %w", ev.BundleIndex, ev.Missing))
		}
		return logEntryFail(fmt.Errorf("the bundle names an entry (index %d) that the log does not hold", ev.BundleIndex))
	case ev.Online != nil && bytes.Equal(ev.Online.Body, ev.BundleBody):
		return logEntryPass(fmt.Sprintf("the log holds the bundle's entry at index %d", ev.Online.LogIndex), model.Evidence{Label: "uuid", Value: ev.Online.UUID})
	}
	return logEntryFail(errors.New("the log's entry for this leaf hash has another body"))
}

// judgeLookedUpEntry is the step for an entry looked up without a bundle.
func judgeLookedUpEntry(ev LogEntryEvidence) LogEntryJudgement {
	evidence := []model.Evidence{ev.How, {Label: "log", Value: ev.LogURL}}
	switch {
	case ev.Logged == LoggedCannotTell:
		j := LogEntryJudgement{Step: model.Step{Name: StepLogEntry, Title: logEntryTitle, Status: model.StatusSkipped, Detail: ev.Note, Evidence: evidence}, Final: true}
		if !ev.EarlierFailure {
			j.Override = model.VerdictError
		}
		return j
	case ev.Logged == LoggedYes && ev.Online == nil:
		return LogEntryJudgement{Step: logEntryFail(errors.New("the lookup said the log holds the entry but produced none")), Final: true}
	case ev.Logged != LoggedYes:
		j := LogEntryJudgement{Step: model.Step{
			Name: StepLogEntry, Title: logEntryTitle, Status: model.StatusFail,
			Detail:   fmt.Sprintf("no log entry records this %s: it was never uploaded (stealth signing)", ev.Kind),
			Evidence: evidence,
		}, Final: true}
		if !ev.EarlierFailure {
			j.Override = model.VerdictNotLogged
		}
		return j
	}
	detail := fmt.Sprintf("found online at index %d (no bundle attached)", ev.Online.LogIndex)
	if ev.Note != "" {
		detail += "; " + ev.Note
	}
	return LogEntryJudgement{Step: logEntryPass(detail, model.Evidence{Label: "uuid", Value: ev.Online.UUID})}
}

// logEntryFail is a failed log-entry step carrying err (as model.Result.Fail
// builds it).
func logEntryFail(err error) model.Step {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	return model.Step{Name: StepLogEntry, Title: logEntryTitle, Status: model.StatusFail, Detail: detail, Err: err}
}

func logEntryPass(detail string, ev ...model.Evidence) model.Step {
	return model.Step{Name: StepLogEntry, Title: logEntryTitle, Status: model.StatusPass, Detail: detail, Evidence: ev}
}
