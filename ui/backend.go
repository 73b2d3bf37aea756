package ui

import (
	"context"
	"strconv"

	"github.com/provscope/provscope/model"
)

// Backend is everything the explorer's panes read: a registry, a log and a
// verifier, in model types. Implementations must be safe for concurrent use:
// every method runs inside a tea.Cmd on its own goroutine. ui/backend adapts
// provscope's registry/, rekor/, inspect/ and proof/ packages to it;
// ui/fakebackend is an in-memory one for tests.
type Backend interface {
	Registry
	Log
	Verifier
}

// Registry is the registry side of a Backend.
type Registry interface {
	// Repositories lists the registry's repositories.
	Repositories(ctx context.Context) ([]model.Repository, error)
	// Tags lists a repository's tags, with the digests they point to when
	// the listing has them (ui/backend's does not: the explorer resolves
	// a tag when its row is shown).
	Tags(ctx context.Context, repo string) ([]model.Tag, error)
	// Image resolves ref (repo:tag or repo@digest) to its manifest summary
	// (with platform children for an index) and what is attached to it.
	Image(ctx context.Context, ref string) (model.Image, []model.Attachment, error)
}

// Log is the transparency-log side of a Backend.
type Log interface {
	// LogInfo is the log's current head.
	LogInfo(ctx context.Context) (model.LogInfo, error)
	// EntriesFor returns every log entry about img's digest and every entry
	// its attachments reference, each with its inclusion proof.
	EntriesFor(ctx context.Context, img model.Image, atts []model.Attachment) ([]model.LogEntry, error)
	// Search returns the entry IDs (UUIDs) matching q: a digest or
	// sha256:…, an email or identity (prefix match where the log offers
	// it), a public key (PEM), a UUID or a log index. The explorer pages
	// the entries in with Entries as rows scroll into view, so a search
	// may match 100,000 entries.
	Search(ctx context.Context, q string) (SearchResult, error)
	// Entries fetches entries by UUID, in the order asked (at most a
	// screenful at a time).
	Entries(ctx context.Context, uuids []string) ([]model.LogEntry, error)
	// ConsistencyProof returns the RFC 6962 consistency proof between two
	// tree sizes of the log (first <= last).
	ConsistencyProof(ctx context.Context, first, last int64) ([][]byte, error)
}

// CheckpointMemory remembers, between runs, the last checkpoint of each
// log tree whose consistency was verified, so the next run can prove the
// log still extends it. ui/backend keeps them in rekor/state, shared with
// `provscope loginfo`; ui/fakebackend in memory. A Backend that implements
// it has the explorer recall the remembered checkpoint when the first head
// arrives and write each newly verified head back. Implementations must be
// safe for concurrent use.
type CheckpointMemory interface {
	// Recall returns the checkpoint remembered for the log's tree treeID
	// ("" for a log without tree IDs), or nil when none is.
	Recall(ctx context.Context, treeID string) (*model.LogInfo, error)
	// Remember stores cur as the tree's last verified checkpoint if the
	// memory still holds old (nil: holds nothing for the tree), so that
	// two writers never replace a checkpoint the other verified; it
	// reports whether it stored cur. The caller has verified that cur is
	// consistent with old.
	Remember(ctx context.Context, old *model.LogInfo, cur model.LogInfo) (bool, error)
}

// SearchResult is what a search found.
type SearchResult struct {
	// UUIDs are the matching entries' IDs.
	UUIDs []string
	// Note, when set, tells the user how the search differs from what was
	// asked (shown in the status line), such as "prefix match needs a
	// provscope log; searched exact".
	Note string
}

// Verifier verifies images and entries, step by step.
type Verifier interface {
	// Verify checks s and reports each step through progress as it
	// completes (progress may be nil). The returned Result holds every
	// step. The error is for failures to carry out the verification at
	// all; a failed check is a failed step.
	Verify(ctx context.Context, s Subject, progress func(model.Step)) (model.Result, error)
}

// Subject is what Verify checks: an image (with its attachments) or one log
// entry.
type Subject struct {
	// Ref names the image; empty when verifying an entry.
	Ref string
	// Image and Attachments are what the explorer already resolved for
	// Ref; nil means the verifier resolves Ref itself.
	Image       *model.Image
	Attachments []model.Attachment
	// Entry is set when verifying one log entry.
	Entry *model.LogEntry
}

// Name is a short human label for the subject.
func (s Subject) Name() string {
	switch {
	case s.Entry != nil:
		return "entry " + strconv.FormatInt(s.Entry.LogIndex, 10)
	case s.Ref != "":
		return s.Ref
	case s.Image != nil:
		return s.Image.Digest
	}
	return "nothing"
}

// LogChoice is one log the log picker offers.
type LogChoice struct {
	// Name is how the user knows it ("demo", "rekor.sigstore.dev").
	Name string
	// URL is its base URL.
	URL string
}

// LogKeyReporter is implemented by a Backend that knows whether its log's
// key was pinned (configuration, flag, trust root) or fetched from the log
// itself; the header then says the log key is not pinned, since the log's
// signatures show only that this server signed.
type LogKeyReporter interface {
	LogKeyPinned() bool
}
