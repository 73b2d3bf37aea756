package report_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// compact returns js without insignificant white space.
func compact(t *testing.T, js []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, js); err != nil {
		t.Fatalf("compacting %s: %v", js, err)
	}
	return b.String()
}

// TestOneResultDocument: for one model.Result, the explorer's report.json
// (report.ResultJSON) and the result part of `verify-entry --output json`'s
// entry (report.EntriesDocOf) are the same JSON, byte for byte once white
// space is compacted: the entry is the result's fields, in order, then its
// leaf hash and trace.
func TestOneResultDocument(t *testing.T) {
	h := hostile.Mixed()
	r := &model.Result{Subject: "entry " + h, Steps: []model.Step{
		{Name: "leaf-hash", Title: "Leaf hash", Status: model.StatusPass, Detail: h, Evidence: []model.Evidence{{Label: "uuid", Value: h}}},
		{Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusFail, Detail: "root differs"},
	}}
	explorer, err := report.ResultJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := &proof.InclusionTrace{Index: 1, Size: 2, LeafHash: []byte{1}, Steps: []proof.HashStep{{Node: proof.NodeAddr{Level: 1}, Left: []byte{2}, Right: []byte{1}, Out: []byte{3}, SiblingOnLeft: true}}, Computed: []byte{3}, Expected: []byte{4}}
	doc := report.EntriesDocOf([]*proof.EntryReport{{Result: r, LeafHash: []byte{1}, Inclusion: tr}})
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(js, &raw); err != nil || len(raw.Entries) != 1 {
		t.Fatalf("verify-entry document %s: %v", js, err)
	}
	want := compact(t, explorer)
	want = want[:len(want)-1] + `,"leafHash":"01","inclusionTrace":`
	if got := compact(t, raw.Entries[0]); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("verify-entry's entry\n%s\ndoes not open with the explorer's report.json\n%s", got, want)
	}
	if doc.Verdict != model.VerdictFailed {
		t.Errorf("verdict of a failed entry = %s, want failed", doc.Verdict)
	}
}

// TestOneImageDocument: for one ImageReport, `verify --output json`'s
// document (inspect.ImageDoc) and the image in `provscope report`'s JSON
// (inspect.BuildReport) are the same JSON, step evidence included.
func TestOneImageDocument(t *testing.T) {
	h := hostile.Mixed()
	idx, at := int64(5), time.Unix(1700000000, 0).UTC()
	failedRes := &model.Result{Subject: "signature 1", Steps: []model.Step{{Name: "signature", Title: "Signature", Status: model.StatusFail, Detail: h, Evidence: []model.Evidence{{Label: "key", Value: h}}}}}
	passRes := &model.Result{Subject: "signature 2", Steps: []model.Step{{Name: "signature", Title: "Signature", Status: model.StatusPass, Evidence: []model.Evidence{{Label: "key", Value: "ab"}}}}}
	rep := &inspect.ImageReport{
		Reference: "registry.example/" + h, Digest: "sha256:" + h, Verdict: model.VerdictVerified, Reason: "1 of 2 signatures verified", SignerPinned: true,
		Signers: []model.Signer{{KeyFingerprint: "ab"}},
		Attachments: []inspect.AttachmentReport{
			{AttachmentFacts: report.AttachmentFacts{Kind: model.AttachSignature, Source: "tag", Digest: "sha256:1", Signer: model.Signer{Subject: h}}, Result: failedRes},
			{
				AttachmentFacts: report.AttachmentFacts{
					Kind: model.AttachSignature, Source: "referrer", Digest: "sha256:2", EntryUUID: "aa", LogIndex: &idx, IntegratedTime: &at,
					Checkpoint: &inspect.CheckpointRef{Origin: h, Size: 9, RootHash: "cc"},
				},
				Result: passRes,
			},
			{AttachmentFacts: report.AttachmentFacts{Kind: model.AttachSBOM, Source: "tag", Digest: "sha256:3"}},
		},
	}
	verify, err := json.Marshal(inspect.ImageDoc(rep))
	if err != nil {
		t.Fatal(err)
	}
	rp, err := json.Marshal(inspect.BuildReport([]*inspect.ImageReport{rep}, inspect.ReportMeta{Generated: at, Version: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Images []json.RawMessage }
	if err := json.Unmarshal(rp, &doc); err != nil || len(doc.Images) != 1 {
		t.Fatalf("report %s: %v", rp, err)
	}
	if got, want := compact(t, doc.Images[0]), compact(t, verify); got != want {
		t.Errorf("report's image\n%s\nis not verify's document\n%s", got, want)
	}
	var img struct {
		Attachments []struct {
			Digest, Verdict string
			Result          *report.ResultDoc
		}
	}
	if err := json.Unmarshal(verify, &img); err != nil {
		t.Fatal(err)
	}
	if len(img.Attachments) != 3 || img.Attachments[0].Digest != "sha256:2" || img.Attachments[2].Verdict != report.NotApplicable ||
		img.Attachments[1].Result == nil || img.Attachments[1].Result.Steps[0].Evidence[0].Value != h {
		t.Errorf("image document = %s, want the verified signature first, the SBOM not applicable, evidence exact", verify)
	}
}
