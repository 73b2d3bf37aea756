package ui

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
)

// detailPane explains the selection: the verification steps as they arrive,
// then the image and what is attached to it, or the entry's decoded body,
// the SET payload and what each identifier means.
type detailPane struct {
	c       *Common
	s       *session
	w, h    int
	focused bool
	spinner string
	offset  int

	// Exactly one of image or entry is the subject.
	imageRef string
	entry    *model.LogEntry
	lines    []string
	// firstFail is the line of the first failed step in lines, -1 if none.
	firstFail int
}

func newDetailPane(c *Common, s *session) *detailPane { return &detailPane{c: c, s: s} }

func (p *detailPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.render()
}

func (p *detailPane) Init() tea.Cmd { return nil }

func (p *detailPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Up, k.Down, k.Verify, k.Copy, k.Export}
}

func (p *detailPane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *detailPane) showImage(ref string) {
	p.imageRef, p.entry, p.offset = ref, nil, 0
	p.render()
}

func (p *detailPane) showEntry(e *model.LogEntry) {
	p.entry, p.imageRef, p.offset = e, "", 0
	p.render()
}

// subjectKey is the results key of what the pane shows.
func (p *detailPane) subjectKey() string {
	switch {
	case p.entry != nil:
		return entryKey(p.entry.UUID)
	case p.imageRef != "":
		return imageKey(p.imageRef)
	}
	return ""
}

func (p *detailPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	p.offset, _ = scrollKey(km, p.c.Keys, p.offset, p.h, len(p.lines))
	return nil
}

// scrollKey applies a scrolling key (up, down, page up/down, top, bottom)
// to the offset of a text view of height h over total lines, and clamps it.
// ok is false when km is not a scrolling key.
func scrollKey(km tea.KeyPressMsg, k KeyMap, offset, h, total int) (_ int, ok bool) {
	page := max(h-1, 1)
	ok = true
	switch {
	case key.Matches(km, k.Up):
		offset--
	case key.Matches(km, k.Down):
		offset++
	case key.Matches(km, k.PageUp):
		offset -= page
	case key.Matches(km, k.PageDown):
		offset += page
	case key.Matches(km, k.Top):
		offset = 0
	case key.Matches(km, k.Bottom):
		offset = total
	default:
		ok = false
	}
	return min(max(offset, 0), max(total-h, 0)), ok
}

func (p *detailPane) selectedValue() string {
	switch {
	case p.entry != nil:
		return p.entry.UUID
	case p.imageRef != "":
		if st := p.s.images[p.imageRef]; st != nil && st.img.Digest != "" {
			return st.img.Digest
		}
		return p.imageRef
	}
	return ""
}

func (p *detailPane) View() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	p.render() // the verification may have advanced
	p.offset = min(max(p.offset, 0), max(len(p.lines)-p.h, 0))
	lines := p.lines
	if p.offset < len(lines) {
		lines = lines[p.offset:]
	}
	return clip(lines, p.w, p.h)
}

// revealFailure scrolls the first failed step into view when it is below
// the fold (a finished verification says first where it failed), with the
// line above it for context.
func (p *detailPane) revealFailure() {
	p.render()
	if p.firstFail >= 0 && (p.firstFail < p.offset || p.firstFail >= p.offset+p.h-1) {
		p.offset = max(p.firstFail-1, 0)
	}
}

func (p *detailPane) kv(k, v string) []string {
	st := p.c.Styles
	kw := 15
	if p.w < 50 {
		kw = 10
	}
	vw := max(p.w-kw-1, 8)
	vl := wrap(v, vw)
	if len(vl) == 0 {
		vl = []string{""}
	}
	out := []string{st.Detail.Key.Render(fit(k, kw)) + " " + st.Detail.Value.Render(vl[0])}
	for _, l := range vl[1:] {
		out = append(out, strings.Repeat(" ", kw+1)+st.Detail.Value.Render(l))
	}
	return out
}

// kvOne is kv for a digest or a name holding one: kept on one line, cut
// in the middle when too long (y copies it whole), never wrapped.
func (p *detailPane) kvOne(k, v string) []string {
	kw := 15
	if p.w < 50 {
		kw = 10
	}
	return p.kv(k, midCut(v, max(p.w-kw-1, 8)))
}

func (p *detailPane) note(s string) []string {
	return styledWrap(p.c.Styles.Detail.Note, s, p.w)
}

func (p *detailPane) render() {
	st := p.c.Styles
	p.lines = p.lines[:0]
	p.firstFail = -1
	add := func(s ...string) { p.lines = append(p.lines, s...) }
	if p.w <= 0 {
		return
	}
	if p.entry == nil && p.imageRef == "" {
		add(p.note("select an image or a log entry; press v to verify it step by step")...)
		return
	}
	if v := p.s.results[p.subjectKey()]; v != nil {
		p.renderVerification(v)
		add("")
	}
	if p.entry != nil {
		p.renderEntry(*p.entry)
		return
	}
	is := p.s.images[p.imageRef]
	add(st.Detail.Heading.Render(refLabel(p.imageRef)))
	if refLabel(p.imageRef) != p.imageRef {
		add(styledWrap(st.Pane.Error, flagMark+" the registry lists this name outside the OCI distribution-spec grammar; it is shown escaped", p.w)...)
	}
	switch {
	case is == nil || is.loading:
		add(p.spinner + " resolving…")
		return
	case is.err != nil:
		add(styledWrap(st.Pane.Error, "✗ "+is.err.Error(), p.w)...)
		add(styledWrap(st.Pane.Empty, "press r to retry", p.w)...)
		return
	}
	img := is.img
	add(p.kvOne("digest", img.Digest)...)
	add(p.kv("media type", img.MediaType)...)
	if img.Platform != nil {
		add(p.kv("platform", img.Platform.String())...)
	}
	if len(img.Children) > 0 {
		plats := make([]string, 0, len(img.Children))
		for _, c := range img.Children {
			if c.Platform != nil {
				plats = append(plats, c.Platform.String())
			}
		}
		add(p.kv("index of", strings.Join(plats, ", "))...)
	}
	if !img.Created.IsZero() {
		add(p.kv("created", img.Created.UTC().Format(time.RFC3339))...)
	}
	if img.LayerCount > 0 {
		add(p.kv("layers", fmt.Sprintf("%d, %s", img.LayerCount, humanBytes(img.Size)))...)
	}
	add("")
	add(st.Detail.Heading.Render(fmt.Sprintf("Attached (%d)", len(is.atts))))
	if len(is.atts) == 0 {
		add(p.note("nothing is attached: no signature, attestation or SBOM")...)
	}
	for _, a := range is.atts {
		line := a.Kind.String()
		switch {
		case a.PredicateType != "":
			line += " · " + a.PredicateType
		case a.SBOMFormat != "":
			line += fmt.Sprintf(" · %s, %d packages", a.SBOMFormat, a.SBOMPackages)
		}
		add("• " + safe(line))
		add(p.kvOne("  found via", a.Source)...)
		if a.SignedDigest != "" {
			add(p.kvOne("  signs", a.SignedDigest)...)
		}
		if a.PayloadType != "" {
			add(p.kv("  payload type", a.PayloadType)...)
		}
		if a.Builder != "" {
			add(p.kv("  builder", a.Builder)...)
		}
		if a.BuildType != "" {
			add(p.kv("  build type", a.BuildType)...)
		}
		for i, m := range a.Materials {
			if i == 3 {
				add(p.kv("", fmt.Sprintf("… %d more materials", len(a.Materials)-3))...)
				break
			}
			label := ""
			if i == 0 {
				label = "  materials"
			}
			add(p.kv(label, m)...)
		}
		if len(a.Certificate) > 0 {
			add(p.kv("  signer", certSummary(a.Certificate))...)
		}
		if a.RekorBundle != nil {
			add(p.kv("  log index", strconv.FormatInt(a.RekorBundle.LogIndex, 10)+" (from the signature's Rekor bundle)")...)
		} else if a.Kind != model.AttachSBOM {
			add(p.kv("  log index", "none recorded in the signature")...)
		}
		if a.Err != "" {
			add(styledWrap(st.Pane.Error, "  ✗ "+a.Err, p.w)...)
		}
	}
	if len(img.Labels) > 0 {
		add("")
		add(st.Detail.Heading.Render("Labels"))
		for _, k := range sortedKeys(img.Labels) {
			add(wrapStyled(st.Detail.Key.Render(safe(k)+" = ")+safe(img.Labels[k]), p.w)...)
		}
	}
}

func (p *detailPane) renderVerification(v *verification) {
	st := p.c.Styles
	add := func(s ...string) { p.lines = append(p.lines, s...) }
	head := "Verification · " + safe(v.subject)
	add(st.Detail.Heading.Render(head))
	for _, s := range v.steps {
		if s.Name == "image-verdict" {
			continue // it is the verdict line below
		}
		if s.Status == model.StatusFail && p.firstFail < 0 {
			p.firstFail = len(p.lines)
		}
		add(wrapStyled(st.StepGlyph(s.Status)+" "+safe(s.Title+stepDetail(s)), p.w)...)
	}
	switch {
	case v.running:
		add(p.spinner + " verifying…")
	case v.err != nil:
		add(styledWrap(st.Pane.Error, "✗ could not verify: "+v.err.Error(), p.w)...)
		add(styledWrap(st.Pane.Empty, "press v to retry", p.w)...)
	case v.result != nil:
		add(wrapStyled(st.VerdictBadge(v.result.Verdict())+" — "+safe(reasonOf(v.result)), p.w)...)
	}
}

// reasonOf is the verdict's reason. An image verifies when one signature
// does even if another fails; its reason then comes from the image-level
// step, not from the first failure.
func reasonOf(r *model.Result) string {
	if r.Verdict() == model.VerdictVerified {
		for i := len(r.Steps) - 1; i >= 0; i-- {
			if r.Steps[i].Name == "image-verdict" && r.Steps[i].Detail != "" {
				return r.Steps[i].Detail
			}
		}
		return "all checks passed"
	}
	return r.Reason()
}

func stepDetail(s model.Step) string {
	if s.Detail == "" {
		return ""
	}
	return ": " + s.Detail
}

func (p *detailPane) renderEntry(e model.LogEntry) {
	st := p.c.Styles
	add := func(s ...string) { p.lines = append(p.lines, s...) }
	in := decodeEntry(e)
	add(st.Detail.Heading.Render(fmt.Sprintf("Entry %d · %s %s", e.LogIndex, safe(string(in.Kind)), safe(in.APIVersion))))
	if in.Err != "" {
		add(styledWrap(st.Pane.Error, "✗ "+in.Err, p.w)...)
	}
	if in.ArtifactHash != "" {
		label := "artifact hash"
		if in.Kind != model.KindHashedRekord {
			label = "payload hash"
		}
		add(p.kvOne(label, in.ArtifactHash)...)
	}
	if in.EnvelopeHash != "" {
		add(p.kvOne("envelope hash", in.EnvelopeHash)...)
	}
	if in.PayloadType != "" {
		add(p.kv("payload type", in.PayloadType)...)
	}
	if in.HasCert {
		add(p.kv("identity", in.Signer.Subject)...)
		if in.Signer.Issuer != "" {
			add(p.kv("OIDC issuer", in.Signer.Issuer)...)
		}
		add(p.kv("cert issuer", in.CertIssuer)...)
		add(p.kv("valid", in.Signer.NotBefore.UTC().Format(time.RFC3339)+" → "+in.Signer.NotAfter.UTC().Format(time.RFC3339))...)
	}
	if in.Signer.KeyFingerprint != "" {
		add(p.kvOne("key SHA-256", in.Signer.KeyFingerprint)...)
	}
	if !e.IntegratedTime.IsZero() {
		add(p.kv("integrated", e.IntegratedTime.UTC().Format(time.RFC3339))...)
	}

	add("")
	add(st.Detail.Heading.Render("Identifiers"))
	add(p.kvOne("UUID (entry ID)", e.UUID)...)
	if tid, ok := treeIDFromUUID(e.UUID); ok {
		add(p.note(fmt.Sprintf("80 hex = tree ID %s (16 hex, the shard) + the RFC 6962 leaf hash (64 hex); rekor-cli accepts either the 80- or the 64-hex form", tid))...)
	} else {
		add(p.note("64 hex = the RFC 6962 leaf hash SHA-256(0x00‖body)")...)
	}
	add(p.kvOne("leaf hash", hexOf(leafHash(e.Body)))...)
	add(p.kv("log index", strconv.FormatInt(e.LogIndex, 10)+" (global, across shards; signed by the SET)")...)
	if e.Proof != nil {
		add(p.kv("shard index", strconv.FormatInt(e.Proof.LogIndex, 10)+" (leaf position in this shard's tree; the proof is for it)")...)
		add(p.kv("tree size", strconv.FormatInt(e.Proof.TreeSize, 10))...)
	}
	add(p.kv("log ID", e.LogID)...)
	add(p.note("log ID = SHA-256 of the log's public key (DER)")...)

	add("")
	add(st.Detail.Heading.Render("Signed entry timestamp (SET)"))
	if len(e.SET) == 0 {
		add(p.note("no SET (Rekor v2 entries have none; the checkpoint vouches instead)")...)
	} else {
		add(p.kv("signature", base64.StdEncoding.EncodeToString(e.SET))...)
		add(p.note("the log's ECDSA signature over this canonical JSON (RFC 8785):")...)
		add(wrap(setPayload(e), p.w)...)
	}
	if e.Proof != nil && e.Proof.Checkpoint != "" {
		add("")
		add(st.Detail.Heading.Render("Checkpoint"))
		for _, l := range strings.Split(strings.TrimRight(e.Proof.Checkpoint, "\n"), "\n") {
			add(wrap(l, p.w)...)
		}
	}
	add("")
	add(st.Detail.Heading.Render("Body"))
	add(wrap(string(e.Body), p.w)...)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// certSummary names a PEM certificate's identity and OIDC issuer, for the
// attachments list; verification happens in proof/.
func certSummary(pemCert []byte) string {
	var in entryInfo
	if err := in.readVerifier(base64.StdEncoding.EncodeToString(pemCert)); err != nil {
		return "unreadable certificate: " + err.Error()
	}
	return in.Signer.String()
}
