package report

import (
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/model"
)

// hostileTimeline is a timeline whose every foreign string (subject, log,
// digests, signers, kinds, issuers, tags, notes) carries every payload:
// ESC and OSC sequences, C1 controls, bidi and zero-width characters,
// backticks, pipes and a Markdown section.
func hostileTimeline() *Timeline {
	h := hostile.Mixed()
	at := time.Unix(1700000000, 0)
	signer := model.Signer{Subject: h, Issuer: h, NotBefore: at, NotAfter: at}
	return &Timeline{
		Subject: "registry.example/" + h, Digest: "sha256:`ab` | " + h, Log: h,
		Events: []TimelineEvent{
			{Time: at, LogIndex: 1, Kind: h, PredicateType: h, Signer: signer, Digest: h, Current: true, Checkpoint: &RememberedRef{Origin: h, Size: 2}},
			{Time: at, LogIndex: 2, Kind: h, Signer: model.Signer{KeyFingerprint: h}, Digest: "sha256:`|" + h},
		},
		Keys:         []KeyUse{{Signer: h, First: at, Last: at, Entries: 2}},
		Certificates: []CertWindow{{Subject: h, Issuer: h, NotBefore: at, NotAfter: at}},
		Moves:        []TagMove{{Digest: h, SigTag: h, Signers: []model.Signer{signer}, Entries: []int64{2}}},
		Notes:        []string{h, "| " + h},
	}
}

// renderTimeline renders tl in all three forms, by name.
func renderTimeline(t *testing.T, tl *Timeline) map[string]string {
	t.Helper()
	var text, md strings.Builder
	if err := WriteTimeline(&text, tl); err != nil {
		t.Fatal(err)
	}
	if err := WriteTimelineMarkdown(&md, tl); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"text": text.String(), "markdown": md.String(), "lines": strings.Join(TimelineLines(tl), "\n") + "\n"}
}

// TestTimelineHostile renders a hostile timeline as text, Markdown and
// the explorer's lines: nothing a terminal would obey, no payload raw, no
// line a payload started or split, and in Markdown one title, the three
// sections and every table row with its own columns.
func TestTimelineHostile(t *testing.T) {
	tl := hostileTimeline()
	// Lines each form has: text 2 head + 2 events + 3 section titles + 3
	// rows + 2 notes; Markdown as counted below; the explorer's 1 digest +
	// 2 events + 1 "moved" + 3×(blank, title, row) + 2 notes.
	wantLines := map[string]int{"text": 12, "lines": 15}
	for form, out := range renderTimeline(t, tl) {
		if err := hostile.Check(out); err != nil {
			t.Errorf("%s: %v", form, err)
		}
		if raw := hostile.RawPayloads(out); len(raw) != 0 {
			t.Errorf("%s: payloads printed raw: %v", form, raw)
		}
		if strings.Count(out, "hostile") < 10 {
			t.Errorf("%s: the hostile values are not all shown:\n%s", form, out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if n, ok := wantLines[form]; ok && len(lines) != n {
			t.Errorf("%s: %d lines, want %d (a value split a line):\n%s", form, len(lines), n, out)
		}
		for _, l := range lines {
			for _, p := range []string{"## demo/web", "- verdict:", "| a | b |", "Verdict: verified"} {
				if strings.HasPrefix(strings.TrimSpace(l), p) {
					t.Errorf("%s: a payload opened a line: %q", form, l)
				}
			}
		}
	}
	checkTimelineMarkdown(t, renderTimeline(t, tl)["markdown"])
}

// checkTimelineMarkdown checks the hostile timeline's Markdown structure:
// one title, three sections, two notes, table rows with as many cells as
// their header, no unpaired backtick.
func checkTimelineMarkdown(t *testing.T, md string) {
	t.Helper()
	var titles, sections, notes, rows int
	bars := 0 // the current table's bars a row
	for _, l := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(l, "# "):
			titles++
		case strings.HasPrefix(l, "## "):
			sections++
		case strings.HasPrefix(l, "> "):
			notes++
		case strings.HasPrefix(l, "|---"):
		case strings.HasPrefix(l, "| "):
			n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|")
			if strings.HasPrefix(l, "| Time |") || strings.HasPrefix(l, "| Signer |") || strings.HasPrefix(l, "| Subject |") || strings.HasPrefix(l, "| Digest |") {
				bars = n
				break
			}
			rows++
			if n != bars {
				t.Errorf("table row with %d bars, want %d: %q", n, bars, l)
			}
		}
		if n := strings.Count(strings.ReplaceAll(l, "\\`", ""), "`"); n%2 != 0 {
			t.Errorf("unpaired backtick: %q", l)
		}
		// A backslash escapes nothing in a code span: a hostile value
		// must not be one.
		if strings.HasPrefix(l, "Current digest: `") {
			t.Errorf("a hostile digest in a code span: %q", l)
		}
	}
	if titles != 1 || sections != 3 || notes != 2 || rows != 5 {
		t.Errorf("%d titles, %d sections, %d notes, %d rows; want 1, 3, 2, 5:\n%s", titles, sections, notes, rows, md)
	}
}

// TestTimelineForms pins the three renderings of small timelines: which
// parts show, in which order, in each form's wording.
func TestTimelineForms(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	moved := &Timeline{
		Subject: "demo/api:stable", Digest: "sha256:new", Log: "http://log",
		Events: []TimelineEvent{{Time: at, LogIndex: 7, Kind: "hashedrekord", Signer: model.Signer{KeyFingerprint: "ab12"}, Digest: "sha256:old", Checkpoint: &RememberedRef{Size: 9}}},
		Keys:   []KeyUse{{Signer: "key ab12", First: at, Last: at, FirstIndex: 7, LastIndex: 7, Entries: 1}},
		Moves:  []TagMove{{Digest: "sha256:old", SigTag: "sha256-old.sig", Entries: []int64{7}}},
		Notes:  []string{"a note"},
	}
	tests := []struct {
		name string
		tl   *Timeline
		want map[string]string
	}{
		{"empty", &Timeline{Subject: "s", Log: "l"}, map[string]string{
			"text":     "Timeline of s in l: 0 entries\n",
			"markdown": "# Timeline of s\n\nLog: l\n\n| Time | Log index | Signer | Kind | Digest | Remembered checkpoint |\n|---|---|---|---|---|---|\n",
			"lines":    "no log entry is about this image\n",
		}},
		{"moved", moved, map[string]string{
			"text": "Timeline of demo/api:stable in http://log: 1 entry\ncurrent digest sha256:new\n" +
				"2026-01-02T03:04:05Z  #7        key ab12                     hashedrekord  sha256:old (no tag points here any more)  covered by remembered checkpoint size 9\n" +
				"Signers (first and last use):\n  key ab12                                 2026-01-02T03:04:05Z (#7) → 2026-01-02T03:04:05Z (#7), 1 entry\n" +
				"Moved tags (signed digests no tag points to any more):\n  sha256:old  (tag sha256-old.sig)  signed by no logged signature, entries [7]\n" +
				"note: a note\n",
			"markdown": "# Timeline of demo/api:stable\n\nLog: http://log\n\nCurrent digest: `sha256:new`\n\n" +
				"| Time | Log index | Signer | Kind | Digest | Remembered checkpoint |\n|---|---|---|---|---|---|\n" +
				"| 2026-01-02T03:04:05Z | 7 | key ab12 | hashedrekord | sha256:old (no tag points here any more) | size 9 |\n" +
				"\n## Signers\n\n| Signer | First use | Last use | Entries |\n|---|---|---|---|\n| key ab12 | 2026-01-02T03:04:05Z (#7) | 2026-01-02T03:04:05Z (#7) | 1 |\n" +
				"\n## Moved tags\n\n| Digest | Signature tag | Signed by | Log indexes |\n|---|---|---|---|\n| sha256:old | sha256-old.sig |  | [7] |\n" +
				"\n> a note\n",
			"lines": "current digest sha256:new\n" +
				"2026-01-02 03:04:05Z  #7  sha256:old moved  key ab12  hashedrekord  ✓ remembered checkpoint 9\n" +
				"moved: a signed digest no tag points to any more\n\nSigners (first → last use):\n  key ab12  2026-01-02 03:04:05Z (#7) → 2026-01-02 03:04:05Z (#7), 1\n" +
				"\nMoved tags (signed digests no tag points to any more):\n  sha256:old signed by no logged signature\nnote: a note\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderTimeline(t, tt.tl)
			for form, want := range tt.want {
				if got[form] != want {
					t.Errorf("%s:\ngot  %q\nwant %q", form, got[form], want)
				}
			}
		})
	}
}
