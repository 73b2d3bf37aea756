package proof

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// TlogProofHeader is the first line of a C2SP tlog-proof
// (https://c2sp.org/tlog-proof).
const TlogProofHeader = "c2sp.org/tlog-proof@v1"

// MaxTlogProofSize bounds a tlog-proof ParseTlogProof reads: a checkpoint,
// at most 64 hashes and an entry body (MaxEntryResponseSize bounds those).
const MaxTlogProofSize = 2 << 20

// TlogProof is a C2SP tlog-proof: an entry's index, its inclusion proof and
// the signed checkpoint the proof leads to. Extra is the application data;
// provscope puts the entry's canonical body there, so that the proof is
// self-contained: the leaf is the RFC 6962 hash of Extra.
type TlogProof struct {
	Extra      []byte
	Index      uint64
	Hashes     [][]byte
	Checkpoint []byte
}

// MarshalTlogProof encodes p in the tlog-proof text format.
func MarshalTlogProof(p TlogProof) []byte {
	var b bytes.Buffer
	b.WriteString(TlogProofHeader + "\n")
	if len(p.Extra) > 0 {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	fmt.Fprintf(&b, "index %d\n", p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// IsTlogProof reports whether b starts like a tlog-proof.
func IsTlogProof(b []byte) bool { return bytes.HasPrefix(b, []byte(TlogProofHeader+"\n")) }

// ParseTlogProof parses a tlog-proof strictly: the header line, an optional
// extra line, the index line, 32-byte base64 hashes (at most 64), an empty
// line and the checkpoint note (not verified here).
func ParseTlogProof(b []byte) (TlogProof, error) {
	var p TlogProof
	bad := func(reason string) error { return &MalformedError{What: "tlog-proof", Reason: reason} }
	if len(b) > MaxTlogProofSize {
		return p, bad(fmt.Sprintf("%d bytes, more than %d", len(b), MaxTlogProofSize))
	}
	head, cp, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return p, bad("no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != TlogProofHeader {
		return p, bad(fmt.Sprintf("first line %q, want %q", truncateForError(lines[0]), TlogProofHeader))
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		extra, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(lines[0], "extra "))
		if err != nil || len(extra) == 0 {
			return p, bad("extra line is not non-empty base64")
		}
		p.Extra, lines = extra, lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return p, bad("no index line")
	}
	idx := strings.TrimPrefix(lines[0], "index ")
	n, err := strconv.ParseUint(idx, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != idx {
		return p, bad(fmt.Sprintf("index %q is not a decimal number without leading zeros", truncateForError(idx)))
	}
	p.Index = n
	lines = lines[1:]
	if len(lines) > 64 {
		return p, bad(fmt.Sprintf("%d proof hashes, more than 64", len(lines)))
	}
	for i, l := range lines {
		h, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(h) != 32 {
			return p, bad(fmt.Sprintf("proof hash %d is not 32 bytes of base64", i+1))
		}
		p.Hashes = append(p.Hashes, h)
	}
	if len(cp) == 0 {
		return p, bad("no checkpoint")
	}
	if err := CanonicalNoteSignatures(cp); err != nil {
		return p, err
	}
	p.Checkpoint = cp
	return p, nil
}

// CanonicalNoteSignatures checks that every signature line of a signed
// note encodes its signature in canonical base64. The note format's
// decoder ignores the unused low bits of a final base64 character, so one
// signature has several encodings; evidence must have exactly one, so that
// a changed byte always shows.
func CanonicalNoteSignatures(note []byte) error {
	_, sigs, ok := bytes.Cut(note, []byte("\n\n"))
	if !ok {
		return &MalformedError{What: "signed note", Reason: "no empty line before the signatures"}
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		enc := f[len(f)-1]
		if b, err := base64.StdEncoding.DecodeString(enc); err == nil && base64.StdEncoding.EncodeToString(b) != enc {
			return &MalformedError{What: "signed note", Reason: fmt.Sprintf("signature line %d is not canonical base64", i+1)}
		}
	}
	return nil
}

func truncateForError(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Step names of ExplainTlogProof.
const (
	StepTlogProofFormat = "tlog-proof-format"
	StepTlogProofLeaf   = "tlog-proof-leaf"
)

// ExplainTlogProof verifies a tlog-proof offline with the log's key: the
// format, the leaf (the hash of the entry body in the extra line), the
// checkpoint signature (VerifyCheckpoint with the log key named keys.Name,
// else after the checkpoint's origin) and the inclusion proof from the leaf
// at the proof's index to the checkpoint's root. Every step runs that can.
func ExplainTlogProof(raw []byte, keys LogKeys) *EntryReport {
	r := &model.Result{Subject: "tlog-proof"}
	rep := &EntryReport{Result: r}
	p, err := ParseTlogProof(raw)
	if err != nil {
		r.Fail(StepTlogProofFormat, "tlog-proof format", err)
		return rep
	}
	r.Subject = fmt.Sprintf("tlog-proof (index %d)", p.Index)
	r.Pass(StepTlogProofFormat, "tlog-proof format", fmt.Sprintf("index %d, %d proof hashes", p.Index, len(p.Hashes)))
	if len(p.Extra) == 0 {
		r.Fail(StepTlogProofLeaf, "Leaf", errors.New("the proof carries no entry body (extra line): nothing to prove included"))
	} else {
		rep.LeafHash = LeafHash(p.Extra)
		kind := "unknown kind"
		if kv, err := body.Peek(p.Extra); err == nil {
			kind = kv.String()
		}
		r.Pass(StepTlogProofLeaf, "Leaf", fmt.Sprintf("the entry body in the extra line (%s, %d bytes)", kind, len(p.Extra)),
			evid("leaf hash", hex.EncodeToString(rep.LeafHash)))
	}
	cpBody, perr := ParseCheckpoint(checkpointText(p.Checkpoint))
	name := keys.Name
	if name == "" && perr == nil {
		name = cpBody.Origin
	}
	var vc *VerifiedCheckpoint
	if keys.Public == nil {
		r.Fail(StepCheckpoint, "Checkpoint signature", errors.New("no log key given"))
	} else if nk, err := logNoteKey(name, keys); err != nil {
		r.Fail(StepCheckpoint, "Checkpoint signature", err)
	} else {
		nks := append([]NoteKey{nk}, keys.Witnesses...)
		vc, err = VerifyCheckpoint(p.Checkpoint, nks, CheckpointOptions{MinWitnesses: keys.MinWitnesses})
		rep.Checkpoint = vc
		if err != nil {
			r.Fail(StepCheckpoint, "Checkpoint signature", err)
			vc = nil
		} else {
			r.Pass(StepCheckpoint, "Checkpoint signature", fmt.Sprintf("signed by %s: %s, size %d", nk.ID(), vc.Origin, vc.Size),
				evid("root hash", hex.EncodeToString(vc.RootHash)))
		}
	}
	switch {
	case vc == nil || rep.LeafHash == nil:
		r.Skip(StepInclusionProof, "Inclusion proof", "needs a leaf and a verified checkpoint")
	default:
		tr, err := TraceInclusion(p.Index, vc.Size, rep.LeafHash, p.Hashes, vc.RootHash)
		rep.Inclusion = tr
		if err != nil {
			r.Fail(StepInclusionProof, "Inclusion proof", err)
		} else {
			r.Pass(StepInclusionProof, "Inclusion proof", fmt.Sprintf("leaf %d of %d leads to the checkpoint's root", p.Index, vc.Size))
		}
	}
	return rep
}

// checkpointText returns the text part of a signed note (up to the empty
// line), for reading the origin before the signature is checked.
func checkpointText(note []byte) []byte {
	text, _, _ := bytes.Cut(note, []byte("\n\n"))
	return append(text, '\n')
}

func logNoteKey(name string, keys LogKeys) (NoteKey, error) {
	if host, _, ok := RekorV1Origin(name); ok {
		name = host
	}
	if name == "" {
		return NoteKey{}, errors.New("no checkpoint signer name: give the log's name")
	}
	return NewLogKey(name, keys.Public)
}
