package proof

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/provscope/provscope/model"
)

// maxCheckpointExtraLines bounds the extension lines of a checkpoint body.
const maxCheckpointExtraLines = 100

// ParseCheckpoint parses a checkpoint body (the text of a signed note, C2SP
// tlog-checkpoint) strictly: a non-empty origin line, the tree size in
// decimal without sign or leading zeros, the base64 (standard, padded,
// canonical) 32-byte root hash, then optional non-empty extension lines,
// each line ending in a newline. It does not check signatures: use
// VerifyCheckpoint for a signed note.
func ParseCheckpoint(text []byte) (model.Checkpoint, error) {
	bad := func(format string, a ...any) (model.Checkpoint, error) {
		return model.Checkpoint{}, &MalformedError{What: "checkpoint", Reason: fmt.Sprintf(format, a...)}
	}
	if len(text) > MaxNoteSize {
		return bad("%d bytes, larger than the %d-byte limit", len(text), MaxNoteSize)
	}
	if !utf8.Valid(text) {
		return bad("not valid UTF-8")
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return bad("body does not end with a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return bad("body has %d lines, want at least 3 (origin, size, root hash)", len(lines))
	}
	for i, l := range lines {
		for _, r := range l {
			if r < 0x20 || r == 0x7f {
				return bad("line %d contains control character %U", i+1, r)
			}
		}
	}
	c := model.Checkpoint{Origin: lines[0]}
	if c.Origin == "" {
		return bad("empty origin line")
	}
	sizeLine := lines[1]
	if sizeLine == "" || sizeLine[0] < '0' || sizeLine[0] > '9' || (len(sizeLine) > 1 && sizeLine[0] == '0') {
		return bad("size line %q is not a decimal number without sign or leading zeros", trunc(sizeLine))
	}
	size, err := strconv.ParseUint(sizeLine, 10, 64)
	if err != nil {
		return bad("size line %q: %v", trunc(sizeLine), err)
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil {
		return bad("root hash line %q is not base64: %v", trunc(lines[2]), err)
	}
	if len(root) != hashSize {
		return bad("root hash has %d bytes, want %d", len(root), hashSize)
	}
	if base64.StdEncoding.EncodeToString(root) != lines[2] {
		return bad("root hash line %q is not canonical base64", trunc(lines[2]))
	}
	c.RootHash = root
	extra := lines[3:]
	if len(extra) > maxCheckpointExtraLines {
		return bad("%d extension lines, more than %d", len(extra), maxCheckpointExtraLines)
	}
	for i, l := range extra {
		if l == "" {
			return bad("extension line %d is empty", i+1)
		}
	}
	if len(extra) > 0 {
		c.Extra = append([]string(nil), extra...)
	}
	return c, nil
}

// MarshalCheckpoint renders a checkpoint body: the inverse of
// ParseCheckpoint.
func MarshalCheckpoint(c model.Checkpoint) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.RootHash))
	for _, l := range c.Extra {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// trunc shortens a line quoted in an error message.
func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// RekorV1Origin splits a Rekor v1 checkpoint origin "<host> - <treeID>"
// into the host and the decimal tree ID. ok is false for other origins.
func RekorV1Origin(origin string) (host, treeID string, ok bool) {
	host, treeID, ok = strings.Cut(origin, " - ")
	if !ok || host == "" || treeID == "" {
		return "", "", false
	}
	if _, err := strconv.ParseInt(treeID, 10, 64); err != nil {
		return "", "", false
	}
	return host, treeID, true
}

// CheckpointOptions says which checkpoint a caller expects.
type CheckpointOptions struct {
	// Origin, when set, must equal the checkpoint's origin line.
	Origin string
	// MinWitnesses is how many distinct witness keys (RoleWitness) must
	// have cosigned; 0 means witnesses are reported but not required.
	MinWitnesses int
}

// VerifiedCheckpoint is a checkpoint whose note was opened: the parsed body
// and the outcome of every signature line. On error it holds whatever was
// established before the failure (evidence for the caller).
type VerifiedCheckpoint struct {
	model.Checkpoint
	Note *SignedNote
	// Raw is the note exactly as given.
	Raw string
}

// QuorumError reports too few witness cosignatures.
type QuorumError struct{ Got, Want int }

func (e *QuorumError) Error() string {
	return fmt.Sprintf("%d witness cosignature(s) verified, want at least %d", e.Got, e.Want)
}

// OriginError reports a checkpoint from another log than expected.
type OriginError struct{ Got, Want string }

func (e *OriginError) Error() string {
	return fmt.Sprintf("checkpoint origin %q, want %q", e.Got, e.Want)
}

// VerifyCheckpoint opens a signed checkpoint note with the trusted keys and
// decides:
//
//   - the note must be well formed and at most MaxNoteSize bytes, and its
//     text a strict checkpoint body (ParseCheckpoint): else *MalformedError;
//   - a signature line is matched to a key by name AND key hash (C2SP
//     signed-note); lines matching no trusted key are ignored and reported
//     as SigUnknownKey;
//   - a line that matches a trusted key but does not verify fails the note
//     with *BadSignatureError (as golang.org/x/mod/sumdb/note Open does);
//   - at least one RoleLog key must have verified: else *UnknownKeyError;
//   - opts.Origin and opts.MinWitnesses, when set, must hold.
func VerifyCheckpoint(msg []byte, keys []NoteKey, opts CheckpointOptions) (*VerifiedCheckpoint, error) {
	n, err := OpenNote(msg, keys)
	if err != nil {
		return nil, fmt.Errorf("opening checkpoint note: %w", err)
	}
	vc := &VerifiedCheckpoint{Note: n, Raw: string(msg)}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return vc, err
	}
	vc.Checkpoint = c
	for _, s := range n.Signatures {
		if s.Status == SigBad {
			return vc, &BadSignatureError{What: "checkpoint", Signer: s.ID()}
		}
	}
	if n.Count(SigVerified, RoleLog) == 0 {
		e := &UnknownKeyError{What: "checkpoint"}
		for _, s := range n.Signatures {
			e.Signers = append(e.Signers, s.ID())
		}
		for _, k := range keys {
			if k.Role == RoleLog {
				e.Known = append(e.Known, k.ID())
			}
		}
		return vc, e
	}
	if opts.Origin != "" && c.Origin != opts.Origin {
		return vc, &OriginError{Got: c.Origin, Want: opts.Origin}
	}
	if got := n.Count(SigVerified, RoleWitness); got < opts.MinWitnesses {
		return vc, &QuorumError{Got: got, Want: opts.MinWitnesses}
	}
	return vc, nil
}

// CheckpointResult verifies a signed checkpoint like VerifyCheckpoint and
// explains it as steps: note format, checkpoint body, log signature, and
// witness cosignatures, each signature line as evidence.
func CheckpointResult(msg []byte, keys []NoteKey, opts CheckpointOptions) (*VerifiedCheckpoint, *model.Result) {
	r := &model.Result{Subject: "checkpoint"}
	vc, err := VerifyCheckpoint(msg, keys, opts)
	const (
		fmtName, fmtTitle   = "note-format", "Signed note format"
		bodyName, bodyTitle = "checkpoint-body", "Checkpoint body"
		sigName, sigTitle   = "log-signature", "Log signature"
		witName, witTitle   = "witness-cosignatures", "Witness cosignatures"
		orgName, orgTitle   = "origin", "Expected origin"
	)
	if vc == nil {
		r.Fail(fmtName, fmtTitle, err, model.Evidence{Label: "size", Value: fmt.Sprintf("%d bytes", len(msg))})
		r.Skip(bodyName, bodyTitle, "the note could not be parsed")
		r.Skip(sigName, sigTitle, "the note could not be parsed")
		return nil, r
	}
	r.Pass(fmtName, fmtTitle, fmt.Sprintf("%d signature line(s)", len(vc.Note.Signatures)))
	if vc.Origin == "" { // body did not parse
		r.Fail(bodyName, bodyTitle, err)
		r.Skip(sigName, sigTitle, "the checkpoint body is malformed")
		return vc, r
	}
	r.Subject = fmt.Sprintf("checkpoint %s @ %d", vc.Origin, vc.Size)
	bodyEv := []model.Evidence{
		{Label: "origin", Value: vc.Origin},
		{Label: "tree size", Value: strconv.FormatUint(vc.Size, 10)},
		{Label: "root hash", Value: fmt.Sprintf("%x", vc.RootHash)},
	}
	for _, l := range vc.Extra {
		bodyEv = append(bodyEv, model.Evidence{Label: "extension", Value: l})
	}
	r.Pass(bodyName, bodyTitle, "origin, size and root hash parsed", bodyEv...)
	var sigEv []model.Evidence
	for _, s := range vc.Note.Signatures {
		v := s.Status.String()
		if s.Key != nil {
			v += " with " + s.Key.String()
		}
		if !s.Timestamp.IsZero() {
			v += ", cosigned at " + s.Timestamp.Format("2006-01-02T15:04:05Z")
		}
		sigEv = append(sigEv, model.Evidence{Label: s.ID(), Value: v})
	}
	var bad *BadSignatureError
	var unk *UnknownKeyError
	switch {
	case err != nil && (asErr(err, &bad) || asErr(err, &unk)):
		r.Fail(sigName, sigTitle, err, sigEv...)
		return vc, r
	default:
		r.Pass(sigName, sigTitle, fmt.Sprintf("signed by %d trusted log key(s); %d unknown signature line(s) ignored", vc.Note.Count(SigVerified, RoleLog), vc.Note.Count(SigUnknownKey, 0)), sigEv...)
	}
	var oe *OriginError
	switch {
	case opts.Origin == "":
	case asErr(err, &oe):
		r.Fail(orgName, orgTitle, err)
		return vc, r
	default:
		r.Pass(orgName, orgTitle, "origin is "+opts.Origin)
	}
	got := vc.Note.Count(SigVerified, RoleWitness)
	var qe *QuorumError
	switch {
	case asErr(err, &qe):
		r.Fail(witName, witTitle, err)
	case opts.MinWitnesses == 0 && got == 0:
		r.Skip(witName, witTitle, "no witness keys required")
	default:
		r.Pass(witName, witTitle, fmt.Sprintf("%d witness cosignature(s) verified", got))
	}
	return vc, r
}

// VerifyCheckpointConsistency checks that the log's newer checkpoint extends
// the older one: the RFC 6962 consistency proof must link old's size and
// root to new's (TraceConsistency). Both checkpoints should come from
// VerifyCheckpoint: take the roots from signed checkpoints, never from the
// proof response (a real Rekor consistency-proof response's rootHash was a
// later tree's). Checkpoints of different origins are an input error; any
// other failure is JudgeConsistency's *InconsistentError (Rollback, Fork or
// Inconsistent) carrying both checkpoints and the proof.
func VerifyCheckpointConsistency(old, new *VerifiedCheckpoint, proofHashes [][]byte) (*ConsistencyTrace, error) {
	if old == nil || new == nil {
		return nil, errors.New("consistency needs two checkpoints")
	}
	if old.Origin != new.Origin {
		return nil, &OriginError{Got: new.Origin, Want: old.Origin}
	}
	if old.Size == 0 {
		return nil, &RangeError{Msg: "the old checkpoint is of the empty tree: there is nothing to be consistent with"}
	}
	nc := new.Checkpoint
	return JudgeConsistency(ConsistencyEvidence{Old: old.Checkpoint, OldNote: old.Raw, New: &nc, NewNote: new.Raw, Proof: proofHashes})
}
