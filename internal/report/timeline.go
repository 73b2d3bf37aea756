package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// TimelineEvent is one log entry on a timeline.
type TimelineEvent struct {
	Time          time.Time           `json:"time"`
	LogIndex      int64               `json:"logIndex"`
	UUID          string              `json:"uuid"`
	Kind          string              `json:"kind"`
	Signer        model.Signer        `json:"signer,omitzero"`
	PredicateType string              `json:"predicateType,omitempty"`
	Digest        string              `json:"digest,omitempty"`
	Current       bool                `json:"current"`
	Binding       proof.DigestBinding `json:"binding,omitempty"`
	// Checkpoint is the remembered checkpoint (rekor/state) that covers the
	// entry, when one does.
	Checkpoint *RememberedRef `json:"rememberedCheckpoint,omitempty"`
}

// RememberedRef names a remembered checkpoint.
type RememberedRef struct {
	Origin string    `json:"origin"`
	Size   uint64    `json:"size"`
	SeenAt time.Time `json:"seenAt"`
}

// KeyUse is one signer's first and last use on the timeline.
type KeyUse struct {
	Signer     string    `json:"signer"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	FirstIndex int64     `json:"firstIndex"`
	LastIndex  int64     `json:"lastIndex"`
	Entries    int       `json:"entries"`
}

// CertWindow is a signing certificate's validity window.
type CertWindow struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer,omitempty"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	LogIndex  int64     `json:"logIndex"`
}

// TagMove is a digest whose cosign signature tag still sits in the
// registry but that no tag points to any more: a tag moved away from it
// (or was deleted).
type TagMove struct {
	Digest  string         `json:"digest"`
	SigTag  string         `json:"signatureTag"`
	Signers []model.Signer `json:"signers"`
	Entries []int64        `json:"logIndexes"`
}

// Timeline is what happened to an image, a signer or a key, in log order
// (`provscope timeline`, the explorer's timeline overlay). inspect builds
// it (TimelineForImage, TimelineForQuery); it is plain data so that this
// package renders it without importing its builder.
type Timeline struct {
	Subject      string          `json:"subject"`
	Digest       string          `json:"digest,omitempty"`
	Log          string          `json:"log"`
	Events       []TimelineEvent `json:"events"`
	Keys         []KeyUse        `json:"keys"`
	Certificates []CertWindow    `json:"certificates"`
	Moves        []TagMove       `json:"tagMoves"`
	Notes        []string        `json:"notes,omitempty"`
}

// timelineSection names the optional sections after the events, in the
// order every rendering shows them.
type timelineSection int

const (
	sectionSigners timelineSection = iota
	sectionCertificates
	sectionMoves
)

// heads returns the section's heading in each form: the text's title
// line, the Markdown's heading and table header, the explorer's title.
func (s timelineSection) heads() (text, markdown, line string) {
	switch s {
	case sectionSigners:
		return "Signers (first and last use):\n",
			"\n## Signers\n\n| Signer | First use | Last use | Entries |\n|---|---|---|---|\n",
			"Signers (first → last use):"
	case sectionCertificates:
		return "Certificates (validity):\n",
			"\n## Certificates\n\n| Subject | Issuer | Not before | Not after | Log index |\n|---|---|---|---|---|\n",
			"Certificates:"
	}
	return "Moved tags (signed digests no tag points to any more):\n",
		"\n## Moved tags\n\n| Digest | Signature tag | Signed by | Log indexes |\n|---|---|---|---|\n",
		"Moved tags (signed digests no tag points to any more):"
}

// noEventsEnd is a format that writes nothing after the events.
type noEventsEnd struct{}

func (noEventsEnd) eventsDone(*Timeline) {}

// timelineFormat is one rendering of a timeline. walkTimeline decides
// which parts show and in which order; a format only writes each part, so
// the text, Markdown and explorer renderings cannot drift apart in
// structure while each keeps its own wording.
type timelineFormat interface {
	// head writes what comes before the events (titles, the current
	// digest, a table header).
	head(tl *Timeline)
	event(e TimelineEvent)
	// eventsDone follows the last event.
	eventsDone(tl *Timeline)
	section(s timelineSection)
	key(k KeyUse)
	cert(c CertWindow)
	move(m TagMove)
	note(n string)
}

// walkTimeline renders tl through f: head, events, then the signers,
// certificates and moved tags sections (each only when it has rows), then
// the notes.
func walkTimeline(tl *Timeline, f timelineFormat) {
	f.head(tl)
	for _, e := range tl.Events {
		f.event(e)
	}
	f.eventsDone(tl)
	if len(tl.Keys) > 0 {
		f.section(sectionSigners)
		for _, k := range tl.Keys {
			f.key(k)
		}
	}
	if len(tl.Certificates) > 0 {
		f.section(sectionCertificates)
		for _, c := range tl.Certificates {
			f.cert(c)
		}
	}
	if len(tl.Moves) > 0 {
		f.section(sectionMoves)
		for _, m := range tl.Moves {
			f.move(m)
		}
	}
	for _, n := range tl.Notes {
		f.note(n)
	}
}

// rfc3339 is the time as the CLI's timeline prints it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// entriesSuffix ends "entr" for n entries: "y" or "ies".
func entriesSuffix(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}

// signerNames joins the signers' names, each cleaned by clean; none is
// written when there are no signers.
func signerNames(signers []model.Signer, clean func(string) string, none string) string {
	if len(signers) == 0 {
		return none
	}
	names := make([]string, 0, len(signers))
	for _, s := range signers {
		names = append(names, clean(s.String()))
	}
	return strings.Join(names, ", ")
}

// movedDigest is what a timeline says after a digest no tag points to.
const movedDigest = " (no tag points here any more)"

// WriteTimeline prints a timeline as text (`provscope timeline`); every
// foreign string sanitised (safetext.Line, or Truncate in columns).
func WriteTimeline(w io.Writer, tl *Timeline) error { return writeTimeline(w, tl, &textTimeline{}) }

// textFormat is a timeline format that collects its text.
type textFormat interface {
	timelineFormat
	String() string
}

// writeTimeline renders tl through f, then writes what f collected to w
// in one write.
func writeTimeline(w io.Writer, tl *Timeline, f textFormat) error {
	walkTimeline(tl, f)
	_, err := io.WriteString(w, f.String())
	return err
}

// textTimeline is the terminal rendering: one line an event, indented
// rows under each section's title.
type textTimeline struct {
	strings.Builder
	noEventsEnd
}

func (f *textTimeline) head(tl *Timeline) {
	fmt.Fprintf(f, "Timeline of %s in %s: %d entr%s\n", safetext.Line(tl.Subject), safetext.Line(tl.Log), len(tl.Events), entriesSuffix(len(tl.Events)))
	if tl.Digest != "" {
		fmt.Fprintf(f, "current digest %s\n", safetext.Line(tl.Digest))
	}
}

func (f *textTimeline) event(e TimelineEvent) {
	what := safetext.Line(e.Kind)
	if e.PredicateType != "" {
		what += " " + safetext.Line(e.PredicateType)
	}
	fmt.Fprintf(f, "%s  #%-8d %-28s %s", rfc3339(e.Time), e.LogIndex, safetext.Truncate(e.Signer.String(), 28), what)
	if e.Digest != "" {
		fmt.Fprintf(f, "  %s", safetext.Line(e.Digest))
		if !e.Current {
			f.WriteString(movedDigest)
		}
	}
	if e.Checkpoint != nil {
		fmt.Fprintf(f, "  covered by remembered checkpoint size %d", e.Checkpoint.Size)
	} else {
		f.WriteString("  not covered by a remembered checkpoint")
	}
	f.WriteString("\n")
}

func (f *textTimeline) section(s timelineSection) {
	text, _, _ := s.heads()
	f.WriteString(text)
}

func (f *textTimeline) key(k KeyUse) {
	fmt.Fprintf(f, "  %-40s %s (#%d) → %s (#%d), %d entr%s\n", safetext.Truncate(k.Signer, 40), rfc3339(k.First), k.FirstIndex, rfc3339(k.Last), k.LastIndex, k.Entries, entriesSuffix(k.Entries))
}

func (f *textTimeline) cert(c CertWindow) {
	fmt.Fprintf(f, "  %s (%s): %s → %s, used at #%d\n", safetext.Line(c.Subject), safetext.Line(c.Issuer), rfc3339(c.NotBefore), rfc3339(c.NotAfter), c.LogIndex)
}

func (f *textTimeline) move(m TagMove) {
	fmt.Fprintf(f, "  %s  (tag %s)  signed by %s, entries %v\n", safetext.Line(m.Digest), safetext.Line(m.SigTag), signerNames(m.Signers, safetext.Line, "no logged signature"), m.Entries)
}

func (f *textTimeline) note(n string) { fmt.Fprintf(f, "note: %s\n", safetext.Line(n)) }

// WriteTimelineMarkdown prints a timeline as Markdown (`provscope timeline
// --format markdown`) with safetext.Markdown on every foreign string.
func WriteTimelineMarkdown(w io.Writer, tl *Timeline) error {
	return writeTimeline(w, tl, &mdTimeline{})
}

// mdTimeline is the Markdown rendering: a title, then one table per part.
type mdTimeline struct {
	strings.Builder
	noEventsEnd
}

func (f *mdTimeline) head(tl *Timeline) {
	fmt.Fprintf(f, "# Timeline of %s\n\nLog: %s\n\n", md(tl.Subject), md(tl.Log))
	if tl.Digest != "" {
		// code, not md in backticks: a backslash escapes nothing in a code
		// span, so a backtick in a hostile digest would end it.
		fmt.Fprintf(f, "Current digest: %s\n\n", code(tl.Digest))
	}
	f.WriteString("| Time | Log index | Signer | Kind | Digest | Remembered checkpoint |\n|---|---|---|---|---|---|\n")
}

func (f *mdTimeline) event(e TimelineEvent) {
	d := md(e.Digest)
	if e.Digest != "" && !e.Current {
		d += movedDigest
	}
	cp := "none"
	if e.Checkpoint != nil {
		cp = fmt.Sprintf("size %d", e.Checkpoint.Size)
	}
	fmt.Fprintf(f, "| %s | %d | %s | %s | %s | %s |\n", rfc3339(e.Time), e.LogIndex, md(e.Signer.String()), md(e.Kind), d, cp)
}

func (f *mdTimeline) section(s timelineSection) {
	_, markdown, _ := s.heads()
	f.WriteString(markdown)
}

func (f *mdTimeline) key(k KeyUse) {
	fmt.Fprintf(f, "| %s | %s (#%d) | %s (#%d) | %d |\n", md(k.Signer), rfc3339(k.First), k.FirstIndex, rfc3339(k.Last), k.LastIndex, k.Entries)
}

func (f *mdTimeline) cert(c CertWindow) {
	fmt.Fprintf(f, "| %s | %s | %s | %s | %d |\n", md(c.Subject), md(c.Issuer), rfc3339(c.NotBefore), rfc3339(c.NotAfter), c.LogIndex)
}

func (f *mdTimeline) move(m TagMove) {
	fmt.Fprintf(f, "| %s | %s | %s | %v |\n", md(m.Digest), md(m.SigTag), signerNames(m.Signers, md, ""), m.Entries)
}

func (f *mdTimeline) note(n string) { fmt.Fprintf(f, "\n> %s\n", md(n)) }

// TimelineLines renders a timeline as the explorer's overlay shows it:
// plain lines, short columns, every foreign string sanitised here
// (safetext.Line, or Truncate where a column is cut) before any
// whole-screen filter.
func TimelineLines(tl *Timeline) []string {
	var f linesTimeline
	walkTimeline(tl, &f)
	return f.out
}

// linesTimeline is the explorer's rendering: the subject is the overlay's
// title, so the lines start with the digest.
type linesTimeline struct{ out []string }

// shortTime is the time as the explorer's overlay shows it.
func shortTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func (f *linesTimeline) head(tl *Timeline) {
	if tl.Digest != "" {
		f.out = append(f.out, "current digest "+safetext.Line(tl.Digest))
	}
	if len(tl.Events) == 0 {
		f.out = append(f.out, "no log entry is about this image")
	}
}

func (f *linesTimeline) event(e TimelineEvent) {
	where := "current"
	if e.Digest != "" && !e.Current {
		where = safetext.Truncate(e.Digest, 19) + " moved"
	}
	l := fmt.Sprintf("%s  #%d  %s  %s  %s", shortTime(e.Time), e.LogIndex, where, safetext.Truncate(e.Signer.String(), 32), safetext.Line(e.Kind))
	if e.PredicateType != "" {
		l += " " + safetext.Truncate(e.PredicateType, 40)
	}
	if e.Checkpoint != nil {
		l += fmt.Sprintf("  ✓ remembered checkpoint %d", e.Checkpoint.Size)
	}
	f.out = append(f.out, l)
}

// eventsDone explains the "moved" marker when an event carries it.
func (f *linesTimeline) eventsDone(tl *Timeline) {
	for _, e := range tl.Events {
		if e.Digest != "" && !e.Current {
			f.out = append(f.out, "moved: a signed digest no tag points to any more")
			return
		}
	}
}

func (f *linesTimeline) section(s timelineSection) {
	_, _, line := s.heads()
	f.out = append(f.out, "", line)
}

func (f *linesTimeline) key(k KeyUse) {
	f.out = append(f.out, fmt.Sprintf("  %s  %s (#%d) → %s (#%d), %d", safetext.Truncate(k.Signer, 32), shortTime(k.First), k.FirstIndex, shortTime(k.Last), k.LastIndex, k.Entries))
}

func (f *linesTimeline) cert(c CertWindow) {
	f.out = append(f.out, fmt.Sprintf("  %s (%s) %s → %s", safetext.Truncate(c.Subject, 40), safetext.Truncate(c.Issuer, 40), shortTime(c.NotBefore), shortTime(c.NotAfter)))
}

func (f *linesTimeline) move(m TagMove) {
	short := func(s string) string { return safetext.Truncate(s, 32) }
	f.out = append(f.out, fmt.Sprintf("  %s signed by %s", safetext.Line(m.Digest), signerNames(m.Signers, short, "no logged signature")))
}

func (f *linesTimeline) note(n string) { f.out = append(f.out, "note: "+safetext.Line(n)) }
