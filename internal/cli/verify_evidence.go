package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
)

// evidenceReports verifies one file verify-entry was given, whatever it
// is: a saved entries response, cosign's bundle annotation (SET only), a
// Sigstore bundle's log entry, a C2SP
// tlog-proof, a signed checkpoint, or an evidence set's evidence.json (then
// every file it lists, after deriving it again from them). The error is an
// input error: a file that is none of these.
func evidenceReports(path string, raw []byte, keys proof.LogKeys, opts proof.EntryOptions) ([]*proof.EntryReport, error) {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case proof.IsTlogProof(raw):
		return []*proof.EntryReport{proof.ExplainTlogProof(raw, keys)}, nil
	case len(trimmed) > 0 && trimmed[0] == '{':
		var probe struct {
			Format    string          `json:"format"`
			MediaType string          `json:"mediaType"`
			SET       json.RawMessage `json:"SignedEntryTimestamp"`
		}
		_ = json.Unmarshal(raw, &probe)
		switch {
		case len(probe.SET) > 0:
			// cosign's bundle annotation (dev.sigstore.cosign/bundle): a
			// SET and no inclusion proof, so it verifies only with
			// --allow-set-only.
			rb, err := registry.ParseRekorBundle(string(raw))
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", path, err)
			}
			e := model.LogEntry{Body: rb.Body, LogIndex: rb.LogIndex, IntegratedTime: time.Unix(rb.IntegratedTime, 0).UTC(), LogID: rb.LogID, SET: rb.SignedEntryTimestamp}
			if kv, err := body.Peek(rb.Body); err == nil {
				e.Kind, e.APIVersion = model.EntryKind(kv.Kind), kv.Version
			}
			return explainEntries([]model.LogEntry{e}, keys, opts), nil
		case probe.Format == inspect.EvidenceFormat:
			return evidenceSetReports(path, raw, keys, opts), nil
		case strings.HasPrefix(probe.MediaType, "application/vnd.dev.sigstore.bundle"):
			entries, err := inspect.BundleLogEntries(raw)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", path, err)
			}
			return explainEntries(entries, keys, opts), nil
		}
	case bytes.Contains(raw, []byte("\n\n")) && !bytes.HasPrefix(trimmed, []byte("[")):
		return []*proof.EntryReport{checkpointReport(raw, keys)}, nil
	}
	entries, err := proof.ParseEntryResponse(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return explainEntries(entries, keys, opts), nil
}

func explainEntries(entries []model.LogEntry, keys proof.LogKeys, opts proof.EntryOptions) []*proof.EntryReport {
	reports := make([]*proof.EntryReport, 0, len(entries))
	for _, e := range entries {
		reports = append(reports, proof.ExplainEntry(e, keys, opts))
	}
	return reports
}

// checkpointReport verifies a signed checkpoint note with the log key,
// named after the checkpoint's origin unless keys.Name says otherwise.
func checkpointReport(raw []byte, keys proof.LogKeys) *proof.EntryReport {
	name := keys.Name
	if name == "" {
		origin, _, _ := strings.Cut(string(raw), "\n")
		name = origin
		if host, _, ok := proof.RekorV1Origin(origin); ok {
			name = host
		}
	}
	nk, err := proof.NewLogKey(name, keys.Public)
	if err != nil {
		r := &model.Result{Subject: "checkpoint"}
		r.Fail(proof.StepCheckpoint, "Checkpoint signature", err)
		return &proof.EntryReport{Result: r}
	}
	if err := proof.CanonicalNoteSignatures(raw); err != nil {
		r := &model.Result{Subject: "checkpoint"}
		r.Fail(proof.StepCheckpoint, "Checkpoint signature", err)
		return &proof.EntryReport{Result: r}
	}
	vc, r := proof.CheckpointResult(raw, append([]proof.NoteKey{nk}, keys.Witnesses...), proof.CheckpointOptions{MinWitnesses: keys.MinWitnesses})
	return &proof.EntryReport{Result: r, Checkpoint: vc}
}

// evidenceSetReports checks evidence.json against the files beside it,
// then verifies each file: bundles' entries, tlog-proofs, checkpoints.
func evidenceSetReports(path string, index []byte, keys proof.LogKeys, opts proof.EntryOptions) []*proof.EntryReport {
	dir := filepath.Dir(path)
	r := &model.Result{Subject: "evidence set " + dir}
	read := func(name string) ([]byte, error) {
		return readFileBounded(filepath.Join(dir, name), max(proof.MaxEntryResponseSize, proof.MaxTlogProofSize))
	}
	doc, blobs, err := inspect.CheckEvidenceIndex(index, read)
	if err != nil {
		r.Fail("evidence-index", "evidence.json", err)
		return []*proof.EntryReport{{Result: r}}
	}
	r.Pass("evidence-index", "evidence.json", fmt.Sprintf("derived again from its %d files: %d entries, %d checkpoints", len(doc.Files), len(doc.Entries), len(doc.Checkpoints)))
	reports := []*proof.EntryReport{{Result: r}}
	for _, b := range blobs {
		if strings.HasSuffix(b.Name, ".payload.json") {
			continue // a bundle's artifact: verify-bundle --artifact checks it
		}
		reps, err := evidenceReports(b.Name, b.Data, keys, opts)
		if err != nil {
			fr := &model.Result{Subject: b.Name}
			fr.Fail("evidence-file", b.Name, err)
			reps = []*proof.EntryReport{{Result: fr}}
		}
		for _, rep := range reps {
			rep.Result.Subject = b.Name + ": " + rep.Result.Subject
		}
		reports = append(reports, reps...)
	}
	return reports
}
