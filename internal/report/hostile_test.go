package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/model"
)

// hostileResult is a failed result whose subject, step title, detail and
// evidence carry every payload: ESC and OSC sequences, C1 controls, bidi
// and zero-width characters, a Markdown section.
func hostileResult() *model.Result {
	h := hostile.Mixed()
	return &model.Result{Subject: "entry " + h, Steps: []model.Step{
		{
			Name: "signature", Title: "Signature " + h, Status: model.StatusPass, Detail: "signed by " + h,
			Evidence: []model.Evidence{{Label: "signer " + h, Value: h}},
		},
		{
			Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusFail, Detail: "the log said " + h,
			Evidence: []model.Evidence{{Label: "answer", Value: h}},
		},
	}}
}

// TestHostileResultRendersSanitised renders a hostile result through every
// text and Markdown printer: nothing a terminal would obey, no payload raw,
// no line a payload started; and through JSON: exactly the same strings
// once decoded.
func TestHostileResultRendersSanitised(t *testing.T) {
	r := hostileResult()
	at := time.Unix(1700000000, 0)
	img := Image{
		Reference: "registry.example/app", Digest: "sha256:ab", Verdict: model.VerdictFailed, Reason: r.Reason(),
		Attachments: []Attachment{{AttachmentFacts: AttachmentFacts{Kind: model.AttachSignature, Source: "tag", Digest: "sha256:cd", IntegratedTime: &at}, Verdict: "failed", Result: new(Doc(r))}},
	}
	text := map[string]func(*bytes.Buffer) error{
		"WriteResult":   func(b *bytes.Buffer) error { return WriteResult(b, r) },
		"WriteSteps":    func(b *bytes.Buffer) error { return WriteSteps(b, r, "  ", true) },
		"WriteImage":    func(b *bytes.Buffer) error { return WriteImage(b, &img, true) },
		"WriteMarkdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, &Report{Images: []Image{img}}) },
		"StepLine": func(b *bytes.Buffer) error {
			var s strings.Builder
			StepLine(&s, r.Steps[0])
			b.WriteString(s.String())
			return nil
		},
	}
	for name, write := range text {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		if err := hostile.Check(out); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if raw := hostile.RawPayloads(out); len(raw) != 0 {
			t.Errorf("%s: payloads printed raw: %v", name, raw)
		}
		if !strings.Contains(out, "hostile") {
			t.Errorf("%s: the hostile value is not shown at all:\n%s", name, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "## demo/web") || strings.HasPrefix(strings.TrimSpace(l), "Verdict: verified") {
				t.Errorf("%s: a payload opened a line: %q", name, l)
			}
		}
	}
	js, err := ResultJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var back ResultDoc
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	s0, s1 := r.Steps[0], back.Steps[0]
	if back.Subject != r.Subject || s1.Title != s0.Title || s1.Detail != s0.Detail || s1.Evidence[0] != s0.Evidence[0] || back.Steps[1].Evidence[0].Value != hostile.Mixed() {
		t.Errorf("JSON does not decode to the same strings:\n%s", js)
	}
}
