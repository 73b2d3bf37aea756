package inspect

import (
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
)

// Rendering is internal/report's; this file hands it what it renders.

// Results returns the result of each of r's attachments, in order (nil for
// an SBOM: attached, not signed), for report.VerifiedFirst.
func (r *ImageReport) Results() []*model.Result {
	out := make([]*model.Result, len(r.Attachments))
	for i := range r.Attachments {
		out[i] = r.Attachments[i].Result
	}
	return out
}

// ImageDoc returns rep as the image document every output shares (`verify
// --output json`, each image of `provscope report`, verify's text and the
// report's Markdown): the attachments in report.VerifiedFirst order, each
// with its full result, its verdict under rep's policy.
func ImageDoc(rep *ImageReport) report.Image {
	atts := make([]report.Attachment, 0, len(rep.Attachments))
	for _, i := range report.VerifiedFirst(rep.Results()) {
		atts = append(atts, attachmentDoc(rep, i))
	}
	signers := rep.Signers
	if signers == nil {
		signers = []model.Signer{}
	}
	return report.Image{
		Reference: rep.Reference, Digest: rep.Digest, Verdict: rep.Verdict, Reason: rep.Reason,
		SignerPinned: rep.SignerPinned, Signers: signers, Attachments: atts,
	}
}

// attachmentDoc returns rep's attachment i as report.Attachment.
func attachmentDoc(rep *ImageReport, i int) report.Attachment {
	a := rep.Attachments[i]
	d := report.Attachment{AttachmentFacts: a.AttachmentFacts, Verdict: report.NotApplicable}
	if c := a.Checkpoint; c != nil {
		cp := *c // the document owns its copy
		d.Checkpoint = &cp
	}
	if a.Result != nil {
		doc := report.Doc(a.Result)
		doc.Verdict = rep.AttachmentVerdict(i)
		d.Result, d.Verdict = &doc, doc.Verdict.String()
	}
	return d
}
