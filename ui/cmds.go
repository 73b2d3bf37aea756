package ui

// COMMANDS. Every Cmd here captures copies of its inputs (the backend
// interface value, strings, slices it does not share) and a request ID; the
// result message carries the ID back so Update can drop stale answers.
// Nothing here reads the App from another goroutine.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry/cosignfmt"
)

type reposLoadedMsg struct {
	id    int
	repos []model.Repository
	err   error
}

type tagsLoadedMsg struct {
	repo string
	tags []model.Tag
	err  error
}

type imageLoadedMsg struct {
	id   int
	ref  string
	img  model.Image
	atts []model.Attachment
	err  error
}

type entriesLoadedMsg struct {
	id    int
	title string
	// uuids are the rows; entries, when set, are all of them already.
	uuids   []string
	entries []model.LogEntry
	// note is the search's remark for the status line.
	note string
	err  error
}

type pageLoadedMsg struct {
	gen, from int
	entries   []model.LogEntry
	err       error
}

type logInfoMsg struct {
	id   int
	info model.LogInfo
	err  error
}

type consistencyMsg struct {
	id       int
	manual   bool
	old, cur model.LogInfo
	proof    [][]byte
	// problem is proof's verdict against the log (a
	// *proof.InconsistentError, *proof.HeadMismatchError, …), worded as
	// `provscope loginfo` words it; err is a failure to check at all.
	problem error
	err     error
}

// HeadChecker is implemented by a Backend that checks the log's head with
// provscope's one log-head watcher (inspect.CheckLog, as `provscope
// loginfo` and `provscope verify` do): the signed note verified and bound
// to the log's origin, equal to what the log reported, every remembered
// tree still listed and extended. The explorer then shows that verdict.
type HeadChecker interface {
	// CheckHead checks the log's current head. The error is for a check
	// that could not be carried out (the log unreachable).
	CheckHead(ctx context.Context) (HeadCheck, error)
}

// HeadCheck is the outcome of HeadChecker.CheckHead.
type HeadCheck struct {
	// Head is the active tree's head, its size and root the signed ones
	// (zero when its note did not verify).
	Head model.LogInfo
	// Remembered is the checkpoint the failing (else the active) tree was
	// held to, nil when none; Proof the consistency proof fetched for it.
	Remembered *model.LogInfo
	Proof      [][]byte
	// Problem is the first failure (nil when the log passed), typed by
	// proof/; Result has every step.
	Problem error
	Result  model.Result
}

// verifyEventMsg is one step or the end of a verification stream.
type verifyEventMsg struct {
	key  string
	id   int
	step *model.Step
	done bool
	res  model.Result
	err  error
	next <-chan verifyEventMsg
}

// backgroundDoneMsg is a background job's image resolution and verdict.
type backgroundDoneMsg struct {
	ref string
	// entryUUID is set for an entry's verification.
	entryUUID string
	img       model.Image
	atts      []model.Attachment
	res       model.Result
	err       error
	// imgErr means resolving failed (the verdict is then meaningless).
	imgErr error
	// gen is the signer generation of an image's verification (bgJob.gen).
	gen int
}

type exportDoneMsg struct {
	dir   string
	files []string
	err   error
}

type logOpenedMsg struct {
	id      int
	choice  LogChoice
	backend Backend
	err     error
}

type tickMsg struct{ id int }

// recalledMsg is the memory's answer: the checkpoint remembered for the
// tree of head (nil when none).
type recalledMsg struct {
	id         int
	head       model.LogInfo
	remembered *model.LogInfo
	err        error
}

// rememberedMsg says whether a verified head was written to the memory.
type rememberedMsg struct {
	cur    model.LogInfo
	stored bool
	err    error
}

func loadReposCmd(ctx context.Context, b Backend, id int) tea.Cmd {
	return func() tea.Msg {
		rs, err := b.Repositories(ctx)
		return reposLoadedMsg{id: id, repos: rs, err: err}
	}
}

func loadTagsCmd(ctx context.Context, b Backend, repo string) tea.Cmd {
	return func() tea.Msg {
		ts, err := b.Tags(ctx, repo)
		return tagsLoadedMsg{repo: repo, tags: ts, err: err}
	}
}

func loadImageCmd(ctx context.Context, b Backend, ref string, id int) tea.Cmd {
	return func() tea.Msg {
		img, atts, err := b.Image(ctx, ref)
		return imageLoadedMsg{id: id, ref: ref, img: img, atts: atts, err: err}
	}
}

func entriesForCmd(ctx context.Context, b Backend, title string, img model.Image, atts []model.Attachment, id int) tea.Cmd {
	return func() tea.Msg {
		es, err := b.EntriesFor(ctx, img, atts)
		uuids := make([]string, len(es))
		for i, e := range es {
			uuids[i] = e.UUID
		}
		return entriesLoadedMsg{id: id, title: title, uuids: uuids, entries: es, err: err}
	}
}

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

func searchCmd(ctx context.Context, b Backend, q string, id int) tea.Cmd {
	return func() tea.Msg {
		r, err := b.Search(ctx, q)
		return entriesLoadedMsg{id: id, title: "Search “" + q + "”", uuids: r.UUIDs, note: r.Note, err: err}
	}
}

// pageCmd fetches the entries of one page of a list.
func pageCmd(ctx context.Context, b Backend, uuids []string, gen, from int) tea.Cmd {
	return func() tea.Msg {
		es, err := b.Entries(ctx, uuids)
		if err == nil && len(es) != len(uuids) {
			err = fmt.Errorf("log returned %d entries, want %d", len(es), len(uuids))
		}
		if err != nil {
			err = fmt.Errorf("fetching entries: %w", err)
		}
		return pageLoadedMsg{gen: gen, from: from, entries: es, err: err}
	}
}

func logInfoCmd(ctx context.Context, b Backend, id int) tea.Cmd {
	return func() tea.Msg {
		li, err := b.LogInfo(ctx)
		return logInfoMsg{id: id, info: li, err: err}
	}
}

func tickCmd(d time.Duration, id int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// consistencyCmd checks the log against old: with a HeadChecker backend,
// first the log-head watcher's verdict; then (a fresh head when cur is nil)
// the proof between old and the head, judged by proof.JudgeConsistency.
func consistencyCmd(ctx context.Context, b Backend, old model.LogInfo, cur *model.LogInfo, manual bool, id int) tea.Cmd {
	return func() tea.Msg {
		m := consistencyMsg{id: id, manual: manual, old: old}
		if hc, ok := b.(HeadChecker); ok {
			c, err := hc.CheckHead(ctx)
			if err != nil {
				m.err = fmt.Errorf("checking the log head: %w", err)
				return m
			}
			if c.Problem != nil {
				m.problem, m.cur, m.proof = c.Problem, c.Head, c.Proof
				if c.Remembered != nil {
					m.old = *c.Remembered
				}
				return m
			}
			h := c.Head
			cur = &h
		}
		if cur == nil {
			li, err := b.LogInfo(ctx)
			if err != nil {
				m.err = fmt.Errorf("fetching the log head: %w", err)
				return m
			}
			m.cur = li
		} else {
			m.cur = *cur
		}
		oc, cc := headCheckpoint(old), headCheckpoint(m.cur)
		if proof.ConsistencyProofNeeded(oc, cc) {
			m.proof, m.err = b.ConsistencyProof(ctx, old.TreeSize, m.cur.TreeSize)
			if m.err != nil {
				m.err = fmt.Errorf("fetching the consistency proof: %w", m.err)
				return m
			}
		}
		_, m.problem = proof.JudgeConsistency(proof.ConsistencyEvidence{
			TreeID: old.TreeID, Old: oc, OldNote: old.SignedTreeHead, New: &cc, NewNote: m.cur.SignedTreeHead, Proof: m.proof,
		})
		return m
	}
}

// headCheckpoint is a log head as the checkpoint proof/ judges. The
// backend's LogInfo returns the signed size and root (ui/backend refuses a
// head whose JSON differs from its note).
func headCheckpoint(h model.LogInfo) model.Checkpoint {
	var size uint64
	if h.TreeSize > 0 {
		size = uint64(h.TreeSize) //nolint:gosec // G115: checked positive
	}
	return model.Checkpoint{Size: size, RootHash: h.RootHash}
}

func recallCmd(ctx context.Context, m CheckpointMemory, head model.LogInfo, id int) tea.Cmd {
	return func() tea.Msg {
		r, err := m.Recall(ctx, head.TreeID)
		return recalledMsg{id: id, head: head, remembered: r, err: err}
	}
}

func rememberCmd(ctx context.Context, m CheckpointMemory, old *model.LogInfo, cur model.LogInfo) tea.Cmd {
	return func() tea.Msg {
		ok, err := m.Remember(ctx, old, cur)
		return rememberedMsg{cur: cur, stored: ok, err: err}
	}
}

// verifyCmd starts a verification and returns its first event; Update
// re-arms waitVerify on the channel for each following one.
func verifyCmd(ctx context.Context, b Backend, s Subject, key string, id int) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan verifyEventMsg, 8)
		go func() {
			defer close(ch)
			send := func(m verifyEventMsg) bool {
				m.key, m.id, m.next = key, id, ch
				select {
				case ch <- m:
					return true
				case <-ctx.Done():
					return false
				}
			}
			res, err := b.Verify(ctx, s, func(st model.Step) {
				st2 := st
				send(verifyEventMsg{step: &st2})
			})
			send(verifyEventMsg{done: true, res: res, err: err})
		}()
		return waitVerify(ch)()
	}
}

func waitVerify(ch <-chan verifyEventMsg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

// backgroundCmd resolves an image (unless given: the explorer resolved
// it already) and verifies it, for the badges. The verifier gets the
// image it resolved, so the registry is asked once per image.
func backgroundCmd(ctx context.Context, b Backend, ref string, resolved *model.Image, resolvedAtts []model.Attachment, gen int) tea.Cmd {
	return func() tea.Msg {
		var img model.Image
		var atts []model.Attachment
		if resolved != nil {
			img, atts = *resolved, resolvedAtts
		} else {
			var err error
			if img, atts, err = b.Image(ctx, ref); err != nil {
				return backgroundDoneMsg{ref: ref, imgErr: err, gen: gen}
			}
		}
		res, verr := b.Verify(ctx, Subject{Ref: ref, Image: &img, Attachments: atts}, nil)
		return backgroundDoneMsg{ref: ref, img: img, atts: atts, res: res, err: verr, gen: gen}
	}
}

// backgroundEntryCmd verifies one log entry, for the status column.
func backgroundEntryCmd(ctx context.Context, b Backend, e model.LogEntry) tea.Cmd {
	return func() tea.Msg {
		res, err := b.Verify(ctx, Subject{Entry: &e}, nil)
		return backgroundDoneMsg{entryUUID: e.UUID, res: res, err: err}
	}
}

type signerPinnedMsg struct {
	id      int
	spec    string
	backend Backend
	label   string
	err     error
}

func pinSignerCmd(ctx context.Context, pin func(context.Context, Backend, string) (Backend, string, error), b Backend, spec string, id int) tea.Cmd {
	return func() tea.Msg {
		nb, label, err := pin(ctx, b, spec)
		return signerPinnedMsg{id: id, spec: spec, backend: nb, label: label, err: err}
	}
}

func openLogCmd(ctx context.Context, open func(context.Context, LogChoice) (Backend, error), c LogChoice, id int) tea.Cmd {
	return func() tea.Msg {
		b, err := open(ctx, c)
		return logOpenedMsg{id: id, choice: c, backend: b, err: err}
	}
}

// evidence is what `e` writes: copies of the selection taken in Update.
type evidence struct {
	name    string
	image   *model.Image
	atts    []model.Attachment
	entries []model.LogEntry
	result  *model.Result
	proof   string
	head    *model.LogInfo
}

// HostWriter is implemented by a Backend that decides whether its session
// may write files on the host the explorer runs on (ui/backend checks its
// Capabilities): evidence export then creates its folder and files through
// it. Without one, export writes with the os package.
type HostWriter interface {
	// MkdirAll is os.MkdirAll, or an error when the session may not.
	MkdirAll(path string, perm os.FileMode) error
	// WriteFile is os.WriteFile, or an error when the session may not.
	WriteFile(name string, data []byte, perm os.FileMode) error
}

// osHostWriter writes with the os package.
type osHostWriter struct{}

func (osHostWriter) MkdirAll(path string, perm os.FileMode) error {
	return os.MkdirAll(path, perm) //nolint:wrapcheck // the caller names the folder
}

func (osHostWriter) WriteFile(name string, data []byte, perm os.FileMode) error {
	return os.WriteFile(name, data, perm) //nolint:wrapcheck,gosec // the caller names the file
}

// exportCmd writes the evidence files into a new folder under dir, through
// b when it is a HostWriter.
func exportCmd(b Backend, dir string, now time.Time, ev evidence) tea.Cmd {
	var host HostWriter = osHostWriter{}
	if hw, ok := b.(HostWriter); ok {
		host = hw
	}
	return func() tea.Msg {
		if dir == "" {
			return exportDoneMsg{err: errors.New("export is disabled in this session")}
		}
		name := safeName(ev.name)
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		out := filepath.Join(dir, "provscope-evidence-"+name+"-"+now.UTC().Format("20060102T150405Z"))
		if err := host.MkdirAll(out, 0o750); err != nil {
			return exportDoneMsg{err: fmt.Errorf("creating %s: %w", out, err)}
		}
		var files []string
		write := func(file string, v any) error {
			var data []byte
			if s, ok := v.(string); ok {
				data = []byte(s)
			} else if b, ok := v.([]byte); ok {
				data = b
			} else {
				var err error
				if data, err = json.MarshalIndent(v, "", "  "); err != nil {
					return fmt.Errorf("encoding %s: %w", file, err)
				}
			}
			p := filepath.Join(out, file)
			if err := host.WriteFile(p, data, 0o600); err != nil {
				return fmt.Errorf("writing %s: %w", p, err)
			}
			files = append(files, file)
			return nil
		}
		var errs []error
		if ev.image != nil {
			errs = append(errs, write("image.json", ev.image), write("attachments.json", ev.atts))
		}
		if len(ev.entries) > 0 {
			// entries.json in Rekor's answer shape, and the evidence set
			// `provscope export` writes: both re-verify offline with
			// provscope verify-entry (evidence.json, every file in it).
			if js, err := inspect.EntriesResponseJSON(ev.entries); err != nil {
				errs = append(errs, fmt.Errorf("encoding entries.json: %w", err))
			} else {
				errs = append(errs, write("entries.json", js))
			}
			blobs, _, err := inspect.EvidenceFromEntries(ev.entries, ev.atts)
			errs = append(errs, err)
			for _, b := range blobs {
				errs = append(errs, write(b.Name, b.Data))
			}
		}
		for _, e := range ev.entries {
			if b, err := rekorBundle(e); err == nil {
				errs = append(errs, write(fmt.Sprintf("entry-%d.rekor-bundle.json", e.LogIndex), b))
			}
		}
		if ev.result != nil {
			errs = append(errs, write("report.json", reportJSON(ev.result)), write("report.txt", reportText(ev.result)))
		}
		if ev.proof != "" {
			errs = append(errs, write("inclusion-proof.txt", ev.proof))
		}
		if ev.head != nil {
			errs = append(errs, write("log-head.json", logHeadJSON(*ev.head)))
		}
		return exportDoneMsg{dir: out, files: files, err: errors.Join(errs...)}
	}
}

// logHead is a log head as Rekor's GET /api/v1/log answers it (and
// rekor-cli loginfo prints it): the root hash in hex.
type logHead struct {
	TreeID         string `json:"treeID,omitempty"`
	TreeSize       int64  `json:"treeSize"`
	RootHash       string `json:"rootHash"`
	SignedTreeHead string `json:"signedTreeHead"`
}

func logHeadJSON(h model.LogInfo) logHead {
	return logHead{TreeID: h.TreeID, TreeSize: h.TreeSize, RootHash: hex.EncodeToString(h.RootHash), SignedTreeHead: h.SignedTreeHead}
}

// rekorBundle is e's offline evidence in cosign's bundle annotation format
// (dev.sigstore.cosign/bundle: the signed entry timestamp over body,
// integrated time, log index and log ID); an entry without a SET has none.
func rekorBundle(e model.LogEntry) (string, error) {
	if len(e.SET) == 0 {
		return "", errors.New("entry has no signed entry timestamp")
	}
	it, idx, id := e.IntegratedTime.Unix(), e.LogIndex, e.LogID
	return cosignfmt.LegacyBundleAnnotation(&models.LogEntryAnon{
		Body: base64.StdEncoding.EncodeToString(e.Body), IntegratedTime: &it, LogIndex: &idx, LogID: &id,
		Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: strfmt.Base64(e.SET)},
	})
}

type reportDoc struct {
	Subject string       `json:"subject"`
	Verdict string       `json:"verdict"`
	Reason  string       `json:"reason"`
	Steps   []model.Step `json:"steps"`
}

func reportJSON(r *model.Result) reportDoc {
	return reportDoc{Subject: r.Subject, Verdict: r.Verdict().String(), Reason: r.Reason(), Steps: r.Steps}
}

func reportText(r *model.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s — %s\n", r.Subject, r.Verdict(), r.Reason())
	for _, s := range r.Steps {
		g := map[model.Status]string{model.StatusPass: "✓", model.StatusFail: "✗", model.StatusSkipped: "–", model.StatusPending: "…"}[s.Status]
		fmt.Fprintf(&b, "%s %s%s\n", g, s.Title, stepDetail(s))
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "    %s: %s\n", e.Label, e.Value)
		}
	}
	return b.String()
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() > 48 {
		return b.String()[:48]
	}
	return b.String()
}
