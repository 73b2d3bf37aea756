package report

import (
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/model"
)

// TestWriteMarkdownHostileValues renders a report whose every string is
// hostile, code-span values included (a digest, a UUID and a root hash with
// backticks and pipes, as a broken or malicious source could give): one
// title, one section per image, every table row with its own columns, no
// unpaired backtick, and the terminal rules hold.
func TestWriteMarkdownHostileValues(t *testing.T) {
	h := hostile.Mixed()
	idx := int64(7)
	at := time.Unix(1700000000, 0)
	img := Image{
		Reference: "registry.example/" + h, Digest: "sha256:`abc` | x", Verdict: model.VerdictFailed, Reason: h,
		Attachments: []Attachment{{
			AttachmentFacts: AttachmentFacts{
				Kind: model.AttachAttestation, Source: h, Digest: "sha256:a`b", PredicateType: h, Signer: model.Signer{Subject: h, Issuer: h},
				EntryUUID: "``" + h, LogIndex: &idx, IntegratedTime: &at,
				Checkpoint: &CheckpointRef{Origin: h, Size: 3, RootHash: "`|"},
			},
			Verdict: h,
			Result:  &ResultDoc{Subject: h, Reason: h, Steps: []model.Step{{Name: "x", Title: h, Status: model.StatusFail, Detail: h, Evidence: []model.Evidence{{Label: h, Value: h}}}}},
		}},
	}
	r := &Report{
		GeneratedAt: h, Tool: Tool{Name: "provscope", Version: h},
		Log:    LogRef{URL: h, KeyFingerprint: h, KeySource: h},
		Policy: Policy{Identity: h, Issuer: h},
		Images: []Image{img, img},
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if err := hostile.Check(md); err != nil {
		t.Errorf("markdown: %v", err)
	}
	var h1, h2, h3 int
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			h1++
		case strings.HasPrefix(line, "## "):
			h2++
		case strings.HasPrefix(line, "### "):
			h3++
		}
		if n := strings.Count(strings.ReplaceAll(line, "\\`", ""), "`"); n%2 != 0 {
			t.Errorf("unpaired backtick: %q", line)
		}
		if strings.HasPrefix(line, "|") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 5 && n != 4 {
				t.Errorf("table row with %d bars: %q", n, line)
			}
		}
		for _, p := range []string{"## demo/web", "- verdict:", "| a | b |"} {
			if strings.HasPrefix(strings.TrimSpace(line), p) {
				t.Errorf("a payload opened a line: %q", line)
			}
		}
	}
	if h1 != 1 || h2 != 2 || h3 != 2 {
		t.Errorf("%d titles, %d image and %d entry sections, want 1, 2, 2:\n%s", h1, h2, h3, md)
	}
	if strings.Contains(md, "`sha256:a`b`") {
		t.Errorf("a backtick value was put in a code span:\n%s", md)
	}
}
