package ui

// EXPORT flow: e writes the evidence of the selected image or entry (its
// image, attachments, entries, verdict, inclusion proof and the log head)
// into a new folder under ExportDir, in formats `provscope verify-entry`
// re-verifies offline. The evidence is copied in Update; one export's
// answer only sets the status line, so it carries no request ID.

import (
	"encoding/base64"
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
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// exportDoneMsg says which evidence files were written into dir.
type exportDoneMsg struct {
	dir   string
	files []string
	err   error
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

// handleExportMsg applies a message of the export flow; ok is false for
// any other message.
func (a *App) handleExportMsg(msg tea.Msg) (tea.Cmd, bool) {
	done, ok := msg.(exportDoneMsg)
	if !ok {
		return nil, false
	}
	switch {
	case done.err != nil && len(done.files) == 0:
		a.status = "✗ export failed: " + done.err.Error()
	case done.err != nil:
		a.status = fmt.Sprintf("wrote %d files to %s, but: %v", len(done.files), done.dir, done.err)
	default:
		a.status = fmt.Sprintf("wrote %d files to %s", len(done.files), done.dir)
	}
	return nil, true
}

func (a *App) export() tea.Cmd {
	if a.c.ExportDir == "" {
		a.status = "export is disabled in this session"
		return nil
	}
	var ev evidence
	if a.entryFocused() {
		e, ok := a.entries.current()
		if a.focus == PaneDetail && a.detail.entry != nil {
			e, ok = *a.detail.entry, true
		}
		if !ok {
			a.status = "no entry selected"
			return nil
		}
		ev.name = "entry-" + short(e.UUID, 16)
		ev.entries = []model.LogEntry{e}
		if v := a.s.results[entryKey(e.UUID)]; v != nil && v.result != nil {
			r := *v.result
			ev.result = &r
		}
		if a.proof.trace != nil && a.proof.entry != nil && a.proof.entry.UUID == e.UUID {
			ev.proof = traceText(*a.proof.trace)
		}
	} else {
		ref := a.selImage
		is := a.s.images[ref]
		if ref == "" || is == nil || !is.loaded {
			a.status = "select a resolved image to export"
			return nil
		}
		ev.name = ref
		img := is.img
		ev.image = &img
		ev.atts = append([]model.Attachment(nil), is.atts...)
		if a.imageEntries != nil && a.imageEntries.title == entriesTitle(ref) {
			ev.entries = append([]model.LogEntry(nil), a.imageEntries.entries...)
		}
		if v := a.s.results[imageKey(ref)]; v != nil && v.result != nil {
			r := *v.result
			ev.result = &r
		}
	}
	if a.s.head != nil {
		h := *a.s.head
		ev.head = &h
	}
	a.status = "exporting…"
	return exportCmd(a.c.Backend, a.c.ExportDir, a.c.now(), ev)
}

// traceText is the inclusion proof as plain text, for evidence files: the
// hash walk `provscope verify-entry` prints for the same entry, every hash
// whole, and why the proof could not be walked when it could not.
func traceText(t inclusionTrace) string {
	var b strings.Builder
	_ = report.WriteHashWalk(&b, t.proofTrace(), true) // a strings.Builder does not fail
	if t.Err != nil {
		fmt.Fprintf(&b, "error: %s\n", safetext.Line(t.Err.Error()))
	}
	return b.String()
}

// proofTrace returns t as proof.TraceInclusion walked it, for report.
func (t inclusionTrace) proofTrace() *proof.InclusionTrace {
	pt := &proof.InclusionTrace{Index: t.Index, Size: t.Size, LeafHash: t.Leaf.Hash, Computed: t.Computed, Expected: t.Expected}
	for _, s := range t.Steps {
		pt.Steps = append(pt.Steps, proof.HashStep{
			Node: proof.NodeAddr{Level: s.Out.Level, Index: s.Out.Index}, Left: s.Left.Hash, Right: s.Right.Hash, Out: s.Out.Hash,
			ProofIndex: s.ProofIndex, SiblingOnLeft: s.SiblingLeft, Ephemeral: s.Out.Ephemeral,
		})
	}
	return pt
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
			js, err := report.ResultJSON(ev.result)
			if err == nil {
				err = write("report.json", js)
			}
			errs = append(errs, err, write("report.txt", report.ResultText(ev.result)))
		}
		if ev.proof != "" {
			errs = append(errs, write("inclusion-proof.txt", ev.proof))
		}
		if ev.head != nil {
			errs = append(errs, write("log-head.json", report.HeadDocOf(*ev.head)))
		}
		return exportDoneMsg{dir: out, files: files, err: errors.Join(errs...)}
	}
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
