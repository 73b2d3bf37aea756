package inspect

import (
	"time"

	"github.com/provscope/provscope/internal/report"
)

// ReportMeta is what a report says besides the images.
type ReportMeta struct {
	Generated time.Time
	Version   string
	Log       *Log
	Policy    Policy
}

// BuildReport assembles the report (`provscope report`) for images, in the
// order given: each image as ImageDoc describes it, the log and the policy
// they were checked with, and the totals. internal/report renders it.
func BuildReport(images []*ImageReport, meta ReportMeta) *report.Report {
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		GeneratedAt:   meta.Generated.UTC().Format(time.RFC3339),
		Tool:          report.Tool{Name: "provscope", Version: meta.Version},
		Images:        make([]report.Image, 0, len(images)),
	}
	if meta.Log != nil {
		fp, _ := KeyFingerprint(meta.Log.KeyPEM)
		r.Log = report.LogRef{URL: meta.Log.Def.URL, KeyFingerprint: fp, KeySource: meta.Log.KeySource}
	}
	r.Policy.SignerPinned = meta.Policy.Pinned()
	if len(meta.Policy.KeyPEM) > 0 {
		r.Policy.KeyFingerprint, _ = KeyFingerprint(meta.Policy.KeyPEM)
	}
	if id := meta.Policy.Identity; id != nil {
		r.Policy.Identity = firstNonEmpty(id.SAN, id.SANRegexp)
		r.Policy.Issuer = firstNonEmpty(id.Issuer, id.IssuerRegexp)
	}
	for _, img := range images {
		r.Images = append(r.Images, ImageDoc(img))
		r.Totals.Add(img.Verdict)
	}
	return r
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
