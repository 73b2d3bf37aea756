package ui

import (
	"github.com/provscope/provscope/model"
)

// session is one explorer session's data: what has been loaded and
// verified so far. The App is its only writer (in Update); panes read it
// while rendering. It belongs to one session, never to the package.
type session struct {
	repos        []model.Repository
	reposErr     error
	reposLoading bool

	tags map[string]*tagList
	// images is keyed by ref ("repo:tag" or "repo@sha256:…").
	images map[string]*imageState
	// results is keyed by subjectKey.
	results map[string]*verification

	head    *model.LogInfo
	headErr error
	// remembered is the last checkpoint verified consistent with every
	// one before it (recalled from the CheckpointMemory, or the first head
	// seen): `c` and each new head are checked against it, and it moves on
	// to a head only once that head is proven to extend it.
	remembered *model.LogInfo
	// lastGrowth is the last consistency proof with hashes verified this
	// session (the log grew from one checked head to the next): `c` shows
	// it when the log has not grown since the remembered checkpoint.
	lastGrowth *consistencyTrace
	// recalling is set while the memory is asked for the remembered
	// checkpoint; recalled once it answered (or was never to be asked).
	recalling, recalled bool
	// forget stops writing to the memory for this session: a consistency
	// check failed (the memory keeps the old checkpoint as evidence), or
	// the memory could not be read.
	forget bool
}

type tagList struct {
	tags    []model.Tag
	err     error
	loading bool
}

type imageState struct {
	img     model.Image
	atts    []model.Attachment
	err     error
	loading bool
	loaded  bool
}

// verification is one Verify run, possibly still streaming steps.
type verification struct {
	subject string
	id      int
	running bool
	steps   []model.Step
	result  *model.Result
	err     error
}

// verdict is the badge for a verification: pending while it runs.
func (v *verification) verdict() model.Verdict {
	switch {
	case v == nil || v.running:
		return model.VerdictPending
	case v.err != nil:
		return model.VerdictError
	case v.result != nil:
		return v.result.Verdict()
	}
	return model.VerdictPending
}

func newSession() *session {
	return &session{
		tags:    map[string]*tagList{},
		images:  map[string]*imageState{},
		results: map[string]*verification{},
	}
}

func imageKey(ref string) string  { return "img:" + ref }
func entryKey(uuid string) string { return "entry:" + uuid }
