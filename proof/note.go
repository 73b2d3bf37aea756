package proof

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// MaxNoteSize bounds a signed note: larger input is rejected before it is
// parsed. Real checkpoints are a few hundred bytes; sum.golang.org lookup
// responses a few kilobytes.
const MaxNoteSize = 1 << 20

// maxNoteSignatures mirrors golang.org/x/mod/sumdb/note, which rejects
// notes with more than 100 signature lines.
const maxNoteSignatures = 100

// KeyRole says what a trusted note key vouches for.
type KeyRole int

const (
	// RoleLog is the log's own checkpoint key.
	RoleLog KeyRole = iota + 1
	// RoleWitness is a witness that cosigns checkpoints (C2SP
	// tlog-cosignature, "cosignature/v1").
	RoleWitness
)

// String returns "log" or "witness".
func (r KeyRole) String() string {
	switch r {
	case RoleLog:
		return "log"
	case RoleWitness:
		return "witness"
	}
	return "unknown"
}

// NoteKey is one trusted signed-note key: a name, a 4-byte key hash (the key
// hint every signature line starts with) and a verifier.
type NoteKey struct {
	Name string
	Hash uint32
	Role KeyRole
	// Alg describes the key: "ed25519", "ecdsa-p256 (rekor v1)",
	// "cosignature/v1", "rfc6962-sth", …
	Alg      string
	verifier note.Verifier
}

// ID renders the key as name+hash, the way signed notes name keys.
func (k NoteKey) ID() string { return fmt.Sprintf("%s+%08x", k.Name, k.Hash) }

// String renders the key as name+hash (alg, role).
func (k NoteKey) String() string { return fmt.Sprintf("%s (%s, %s)", k.ID(), k.Alg, k.Role) }

// Verifier returns the golang.org/x/mod/sumdb/note verifier for the key.
func (k NoteKey) Verifier() note.Verifier { return k.verifier }

// vkey algorithm bytes (C2SP signed-note and transparency-dev/formats).
const (
	algEd25519       = 0x01
	algECDSASHA256   = 0x02
	algCosignatureV1 = 0x04
	algRFC6962STH    = 0x05
	algMLDSA44       = 0x06
)

func vkeyAlg(vkey string) (byte, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return 0, fmt.Errorf("verifier key has %d '+'-separated parts, want 3 (name+hash+key)", len(parts))
	}
	b, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return 0, fmt.Errorf("decoding verifier key base64: %w", err)
	}
	if len(b) < 2 {
		return 0, fmt.Errorf("verifier key has %d bytes, want at least 2", len(b))
	}
	return b[0], nil
}

// ParseNoteKey parses a log's verifier key string ("vkey",
// name+hash+base64(alg||key)): Ed25519 (0x01, C2SP signed-note and
// sum.golang.org), ECDSA P-256 (0x02, transparency-dev/formats; the
// Rekor v1 key-hint rule), RFC 6962 STH (0x05). Cosignature keys (0x04,
// 0x06) are witness keys: use ParseWitnessKey.
func ParseNoteKey(vkey string) (NoteKey, error) {
	vkey = strings.TrimSpace(vkey)
	alg, err := vkeyAlg(vkey)
	if err != nil {
		return NoteKey{}, err
	}
	var name string
	switch alg {
	case algEd25519:
		name = "ed25519"
	case algECDSASHA256:
		name = "ecdsa-sha256"
	case algRFC6962STH:
		name = "rfc6962-sth"
	case algCosignatureV1, algMLDSA44:
		return NoteKey{}, fmt.Errorf("verifier key has cosignature algorithm 0x%02x: pass it as a witness key", alg)
	default:
		return NoteKey{}, fmt.Errorf("verifier key has unknown algorithm 0x%02x", alg)
	}
	v, err := fnote.NewVerifier(vkey)
	if err != nil {
		return NoteKey{}, fmt.Errorf("parsing verifier key: %w", err)
	}
	return NoteKey{Name: v.Name(), Hash: v.KeyHash(), Role: RoleLog, Alg: name, verifier: v}, nil
}

// ParseWitnessKey parses a witness's verifier key for C2SP tlog-cosignature
// ("cosignature/v1") signatures: an Ed25519 key (0x01, converted to 0x04 as
// transparency-dev/formats does) or a cosignature key (0x04, 0x06).
func ParseWitnessKey(vkey string) (NoteKey, error) {
	vkey = strings.TrimSpace(vkey)
	alg, err := vkeyAlg(vkey)
	if err != nil {
		return NoteKey{}, err
	}
	if alg != algEd25519 && alg != algCosignatureV1 && alg != algMLDSA44 {
		return NoteKey{}, fmt.Errorf("witness key has algorithm 0x%02x, want 0x01, 0x04 or 0x06", alg)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return NoteKey{}, fmt.Errorf("parsing witness key: %w", err)
	}
	return NoteKey{Name: v.Name(), Hash: v.KeyHash(), Role: RoleWitness, Alg: "cosignature/v1", verifier: v}, nil
}

// NewLogKey builds a log note key from a public key and the signer name:
//   - ECDSA (Rekor v1 logs): the signature is ECDSA over SHA-256 of the note
//     text and the key hash is SHA-256(DER SPKI)[:4], which is the first 4
//     bytes of the Rekor log ID. For Rekor v1 the name is the log's host
//     name (for example "rekor.sigstore.dev").
//   - Ed25519 (C2SP signed-note, Rekor v2): the key hash commits to the
//     name: SHA-256(name || "\n" || 0x01 || key)[:4].
func NewLogKey(name string, pub crypto.PublicKey) (NoteKey, error) {
	if name == "" || strings.ContainsAny(name, "+ \t\n") {
		return NoteKey{}, fmt.Errorf("key name %q is empty or contains '+' or spaces", name)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return NoteKey{}, fmt.Errorf("encoding ECDSA key: %w", err)
		}
		h := sha256.Sum256(der)
		vkey := fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(h[:4]), base64.StdEncoding.EncodeToString(append([]byte{algECDSASHA256}, der...)))
		v, err := fnote.NewECDSAVerifier(vkey)
		if err != nil {
			return NoteKey{}, fmt.Errorf("building ECDSA note verifier: %w", err)
		}
		return NoteKey{Name: name, Hash: v.KeyHash(), Role: RoleLog, Alg: "ecdsa-" + strings.ToLower(k.Curve.Params().Name) + " (rekor v1)", verifier: v}, nil
	case ed25519.PublicKey:
		vkey, err := note.NewEd25519VerifierKey(name, k)
		if err != nil {
			return NoteKey{}, fmt.Errorf("building Ed25519 verifier key: %w", err)
		}
		key, err := ParseNoteKey(vkey)
		if err != nil {
			return NoteKey{}, err
		}
		return key, nil
	}
	return NoteKey{}, fmt.Errorf("unsupported public key type %T, want ECDSA or Ed25519", pub)
}

// ParsePublicKeyPEM parses a PEM "PUBLIC KEY" block (DER SPKI), as logs
// publish their keys.
func ParsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("PEM block is %q, want \"PUBLIC KEY\"", block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	return pub, nil
}

// PublicKeyDER returns the DER SubjectPublicKeyInfo in the first PEM block
// of b after checking that it parses as a public key. Unlike
// ParsePublicKeyPEM it accepts any block type.
func PublicKeyDER(b []byte) ([]byte, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	return block.Bytes, nil
}

// KeyFingerprint returns the hex SHA-256 of the key's DER SPKI: the Rekor v1
// log ID when pub is a Rekor v1 log key.
func KeyFingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	h := sha256.Sum256(der)
	return fmt.Sprintf("%x", h), nil
}

// SigStatus is the outcome for one signature line of a note.
type SigStatus int

const (
	// SigVerified: the line's name and key hash match a trusted key and
	// the signature verifies.
	SigVerified SigStatus = iota + 1
	// SigUnknownKey: no trusted key has this name and key hash; the line is
	// ignored (C2SP signed-note).
	SigUnknownKey
	// SigBad: a trusted key matches but the signature does not verify.
	SigBad
)

// String returns "verified", "unknown key" or "bad signature".
func (s SigStatus) String() string {
	switch s {
	case SigVerified:
		return "verified"
	case SigUnknownKey:
		return "unknown key"
	case SigBad:
		return "bad signature"
	}
	return "unknown"
}

// NoteSignature is one signature line of a note and its outcome.
type NoteSignature struct {
	Name    string
	KeyHash uint32
	Base64  string
	Status  SigStatus
	// Key is the trusted key that matched (nil for SigUnknownKey).
	Key *NoteKey
	// Timestamp is the time a witness cosigned (cosignature/v1), when the
	// line verified with a witness key.
	Timestamp time.Time
}

// ID renders the signer as name+hash.
func (s NoteSignature) ID() string { return fmt.Sprintf("%s+%08x", s.Name, s.KeyHash) }

// SignedNote is a note opened with a set of trusted keys: its text and the
// outcome of every signature line, in order (repeated identical lines are
// listed once, as golang.org/x/mod/sumdb/note does).
type SignedNote struct {
	Text       string
	Signatures []NoteSignature
}

// Count returns how many signatures have the given status and role (role 0
// matches any role; unknown-key lines have no role).
func (n *SignedNote) Count(status SigStatus, role KeyRole) int {
	c := 0
	for _, s := range n.Signatures {
		if s.Status != status {
			continue
		}
		if role != 0 && (s.Key == nil || s.Key.Role != role) {
			continue
		}
		c++
	}
	return c
}

// MalformedError reports input that is not a well-formed note, checkpoint
// or entry: an input error rather than a failed verification.
type MalformedError struct {
	What   string
	Reason string
}

func (e *MalformedError) Error() string { return fmt.Sprintf("malformed %s: %s", e.What, e.Reason) }

// OpenNote parses a signed note (C2SP signed-note) and checks every
// signature line against keys, with golang.org/x/mod/sumdb/note doing the
// parsing and the cryptography. It fails only for malformed notes; the
// caller decides what the per-signature outcomes add up to (see
// VerifyCheckpoint). Notes larger than MaxNoteSize are rejected unparsed.
func OpenNote(msg []byte, keys []NoteKey) (*SignedNote, error) {
	if len(msg) > MaxNoteSize {
		return nil, &MalformedError{What: "note", Reason: fmt.Sprintf("%d bytes, larger than the %d-byte limit", len(msg), MaxNoteSize)}
	}
	// Open with no keys: a well-formed note yields an UnverifiedNoteError
	// holding every signature line.
	_, err := note.Open(msg, note.VerifierList())
	var une *note.UnverifiedNoteError
	if !errors.As(err, &une) {
		return nil, &MalformedError{What: "note", Reason: noteFormatReason(msg)}
	}
	parsed := une.Note
	verifiers := make([]note.Verifier, 0, len(keys))
	seen := map[string]bool{}
	byID := map[string]*NoteKey{}
	for i := range keys {
		if keys[i].verifier == nil {
			return nil, fmt.Errorf("key %s has no verifier: build keys with ParseNoteKey, ParseWitnessKey or NewLogKey", keys[i].ID())
		}
		if seen[keys[i].ID()] {
			continue
		}
		seen[keys[i].ID()] = true
		byID[keys[i].ID()] = &keys[i]
		verifiers = append(verifiers, keys[i].verifier)
	}
	known := note.VerifierList(verifiers...)
	out := &SignedNote{Text: parsed.Text}
	for _, s := range parsed.UnverifiedSigs {
		ns := NoteSignature{Name: s.Name, KeyHash: s.Hash, Base64: s.Base64}
		// Each line on its own through note.Open: the library's verdict
		// for that line alone.
		one := parsed.Text + "\n" + "— " + s.Name + " " + s.Base64 + "\n"
		n, err := note.Open([]byte(one), known)
		var ise *note.InvalidSignatureError
		switch {
		case err == nil && len(n.Sigs) == 1:
			ns.Status = SigVerified
			ns.Key = byID[ns.ID()]
			if ns.Key != nil && ns.Key.Role == RoleWitness {
				if ts, err := fnote.CoSigV1Timestamp(n.Sigs[0]); err == nil {
					ns.Timestamp = ts.UTC()
				}
			}
		case errors.As(err, &une):
			ns.Status = SigUnknownKey
		case errors.As(err, &ise):
			ns.Status = SigBad
			ns.Key = byID[ns.ID()]
		default:
			return nil, fmt.Errorf("checking signature by %s: %w", ns.ID(), err)
		}
		out.Signatures = append(out.Signatures, ns)
	}
	return out, nil
}

// noteFormatReason explains why golang.org/x/mod/sumdb/note rejected msg
// (it only says "malformed note").
func noteFormatReason(msg []byte) string {
	s := string(msg)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < 0x20 && r != '\n' || r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("control character or invalid UTF-8 at byte %d", i)
		}
		i += size
	}
	split := strings.LastIndex(s, "\n\n")
	if split < 0 {
		return "no blank line separating the text from the signatures"
	}
	sigs := s[split+2:]
	if sigs == "" {
		return "no signature lines after the blank line"
	}
	if !strings.HasSuffix(sigs, "\n") {
		return "signature block does not end with a newline"
	}
	lines := strings.Split(strings.TrimSuffix(sigs, "\n"), "\n")
	if len(lines) > maxNoteSignatures {
		return fmt.Sprintf("%d signature lines, more than %d", len(lines), maxNoteSignatures)
	}
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, "— ")
		if !ok {
			return fmt.Sprintf("signature line %d does not start with \"— \"", i+1)
		}
		name, b64, _ := strings.Cut(rest, " ")
		if name == "" || strings.Contains(name, "+") {
			return fmt.Sprintf("signature line %d has an invalid key name %q", i+1, name)
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return fmt.Sprintf("signature line %d: bad base64: %v", i+1, err)
		}
		if len(sig) < 5 {
			return fmt.Sprintf("signature line %d: %d signature bytes, want at least 5 (4-byte key hash + signature)", i+1, len(sig))
		}
	}
	return "rejected by golang.org/x/mod/sumdb/note"
}

// LogKeyFromPEM builds a log note key from a PEM public key and the log's
// checkpoint origin or signer name: for a Rekor v1 origin
// "<host> - <treeID>" the key is named after the host (Rekor v1 logs sign
// as their host name); any other value is used as the name as is.
func LogKeyFromPEM(pemBytes []byte, originOrName string) (NoteKey, error) {
	pub, err := ParsePublicKeyPEM(pemBytes)
	if err != nil {
		return NoteKey{}, err
	}
	name := originOrName
	if host, _, ok := RekorV1Origin(originOrName); ok {
		name = host
	}
	return NewLogKey(name, pub)
}
