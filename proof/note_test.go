package proof

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/model"
)

// rekorV1Signer signs notes the way Rekor v1 does: ECDSA P-256 over SHA-256
// of the note text, key hash = SHA-256(DER SPKI)[:4].
type rekorV1Signer struct {
	name string
	priv *ecdsa.PrivateKey
}

func newRekorV1Signer(t testing.TB, name string) *rekorV1Signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &rekorV1Signer{name: name, priv: priv}
}

func (s *rekorV1Signer) Name() string { return s.name }
func (s *rekorV1Signer) KeyHash() uint32 {
	der, _ := x509.MarshalPKIXPublicKey(&s.priv.PublicKey)
	h := sha256.Sum256(der)
	return binary.BigEndian.Uint32(h[:4])
}

func (s *rekorV1Signer) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	return ecdsa.SignASN1(rand.Reader, s.priv, d[:])
}

func (s *rekorV1Signer) logKey(t testing.TB) NoteKey {
	t.Helper()
	k, err := NewLogKey(s.name, &s.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func signNote(t testing.TB, text string, signers ...note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func ed25519Signer(t testing.TB, name string) (note.Signer, NoteKey) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseNoteKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

func witnessSigner(t testing.TB, name string) (note.Signer, NoteKey) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseWitnessKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

const testBody = "example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"

func TestVerifyCheckpointSignatures(t *testing.T) {
	logS, logK := ed25519Signer(t, "example.com/log")
	otherS, _ := ed25519Signer(t, "other.example/log")
	w1S, w1K := witnessSigner(t, "witness-one.example")
	w2S, w2K := witnessSigner(t, "witness-two.example")
	v1 := newRekorV1Signer(t, "rekor.example.dev")
	v1K := v1.logKey(t)
	// A signer reusing the Rekor key hash under another name (the
	// sigstore-java multi-sig case).
	bob := &rekorV1Signer{name: "bob.example", priv: v1.priv}

	tests := []struct {
		name     string
		msg      []byte
		keys     []NoteKey
		opts     CheckpointOptions
		wantErr  any
		statuses []SigStatus
	}{
		{"ed25519 log", signNote(t, testBody, logS), []NoteKey{logK}, CheckpointOptions{}, nil, []SigStatus{SigVerified}},
		{"rekor v1 ecdsa", signNote(t, testBody, v1), []NoteKey{v1K}, CheckpointOptions{}, nil, []SigStatus{SigVerified}},
		{"unknown line ignored", signNote(t, testBody, logS, otherS), []NoteKey{logK}, CheckpointOptions{}, nil, []SigStatus{SigVerified, SigUnknownKey}},
		{"same key other name ignored", signNote(t, testBody, v1, bob), []NoteKey{v1K}, CheckpointOptions{}, nil, []SigStatus{SigVerified, SigUnknownKey}},
		{"only unknown", signNote(t, testBody, otherS), []NoteKey{logK}, CheckpointOptions{}, new(*UnknownKeyError), []SigStatus{SigUnknownKey}},
		{"witness key alone is not a log key", signNote(t, testBody, w1S), []NoteKey{logK, w1K}, CheckpointOptions{}, new(*UnknownKeyError), []SigStatus{SigVerified}},
		{"two witnesses", signNote(t, testBody, logS, w1S, w2S), []NoteKey{logK, w1K, w2K}, CheckpointOptions{MinWitnesses: 2}, nil, []SigStatus{SigVerified, SigVerified, SigVerified}},
		{"quorum unmet", signNote(t, testBody, logS, w1S), []NoteKey{logK, w1K, w2K}, CheckpointOptions{MinWitnesses: 2}, new(*QuorumError), []SigStatus{SigVerified, SigVerified}},
		{"unknown witness ignored", signNote(t, testBody, logS, w1S), []NoteKey{logK}, CheckpointOptions{}, nil, []SigStatus{SigVerified, SigUnknownKey}},
		{"origin", signNote(t, testBody, logS), []NoteKey{logK}, CheckpointOptions{Origin: "example.com/log"}, nil, []SigStatus{SigVerified}},
		{"wrong origin", signNote(t, testBody, logS), []NoteKey{logK}, CheckpointOptions{Origin: "example.com/other"}, new(*OriginError), []SigStatus{SigVerified}},
		{"tampered body", []byte(strings.Replace(string(signNote(t, testBody, logS)), "\n42\n", "\n43\n", 1)), []NoteKey{logK}, CheckpointOptions{}, new(*BadSignatureError), []SigStatus{SigBad}},
		{"tampered body, known witness bad", []byte(strings.Replace(string(signNote(t, testBody, logS, w1S)), "\n42\n", "\n43\n", 1)), []NoteKey{logK, w1K}, CheckpointOptions{}, new(*BadSignatureError), []SigStatus{SigBad, SigBad}},
		{"not a checkpoint", signNote(t, "hello\n", logS), []NoteKey{logK}, CheckpointOptions{}, new(*MalformedError), []SigStatus{SigVerified}},
		{"no keys", signNote(t, testBody, logS), nil, CheckpointOptions{}, new(*UnknownKeyError), []SigStatus{SigUnknownKey}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vc, err := VerifyCheckpoint(tc.msg, tc.keys, tc.opts)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("VerifyCheckpoint = %v, want nil", err)
			case tc.wantErr != nil && !errors.As(err, tc.wantErr):
				t.Fatalf("VerifyCheckpoint = %v, want %T", err, tc.wantErr)
			}
			var got []SigStatus
			for _, s := range vc.Note.Signatures {
				got = append(got, s.Status)
			}
			if len(got) != len(tc.statuses) {
				t.Fatalf("statuses %v, want %v", got, tc.statuses)
			}
			for i := range got {
				if got[i] != tc.statuses[i] {
					t.Fatalf("statuses %v, want %v", got, tc.statuses)
				}
			}
		})
	}
	// Verified witness cosignatures carry their timestamp.
	vc, err := VerifyCheckpoint(signNote(t, testBody, logS, w1S), []NoteKey{logK, w1K}, CheckpointOptions{MinWitnesses: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ts := vc.Note.Signatures[1].Timestamp; ts.IsZero() || time.Since(ts) > time.Hour {
		t.Errorf("cosignature timestamp %v, want about now", ts)
	}
}

func TestOpenNoteBounds(t *testing.T) {
	_, k := ed25519Signer(t, "example.com/log")
	big := []byte(strings.Repeat("a", MaxNoteSize+1))
	var me *MalformedError
	if _, err := OpenNote(big, []NoteKey{k}); !errors.As(err, &me) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("OpenNote(1 MiB + 1) = %v, want size limit error", err)
	}
	for _, in := range []string{"", "\n", "text\n\n", "text\n\n— x\n", "text\n\n— x AAAA\n", "text\n\nno dash\n", "a\x01b\n\n— x AAAAAAA=\n", "text\n\n— x AAAAAAA="} {
		if _, err := OpenNote([]byte(in), []NoteKey{k}); !errors.As(err, &me) {
			t.Errorf("OpenNote(%q) = %v, want *MalformedError", in, err)
		}
	}
	if _, err := OpenNote([]byte(testBody), []NoteKey{{Name: "x"}}); err == nil {
		t.Error("OpenNote with a zero NoteKey: nil error")
	}
}

func TestParseKeys(t *testing.T) {
	_, k := ed25519Signer(t, "example.com/log")
	if k.Alg != "ed25519" || k.Role != RoleLog {
		t.Errorf("ParseNoteKey = %+v", k)
	}
	bad := []string{"", "a", "a+b", "a+b+c", "a+00000000+AQ==", "a+00000000+AgAA", "w+00000000+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}
	for _, s := range bad {
		if _, err := ParseNoteKey(s); err == nil {
			t.Errorf("ParseNoteKey(%q) = nil error", s)
		}
	}
	if _, err := ParseWitnessKey("a+00000000+AgAA"); err == nil {
		t.Error("ParseWitnessKey(ECDSA) = nil error")
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := NewLogKey("bad name", pub); err == nil {
		t.Error("NewLogKey with a space in the name: nil error")
	}
	if _, err := NewLogKey("x", "not a key"); err == nil {
		t.Error("NewLogKey(string) = nil error")
	}
	if _, err := ParsePublicKeyPEM([]byte("junk")); err == nil {
		t.Error("ParsePublicKeyPEM(junk) = nil error")
	}
	// The Rekor v1 key hint is the first 4 bytes of the log ID.
	s := newRekorV1Signer(t, "rekor.example.dev")
	lk := s.logKey(t)
	fp, _ := KeyFingerprint(&s.priv.PublicKey)
	if got := lk.ID(); got != "rekor.example.dev+"+fp[:8] {
		t.Errorf("Rekor v1 key ID %s, want hint %s", got, fp[:8])
	}
}

func TestParseCheckpointStrict(t *testing.T) {
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	good := "o\n1\n" + root + "\n"
	tests := []struct {
		in   string
		ok   bool
		desc string
	}{
		{good, true, "minimal"},
		{"o\n0\n" + root + "\n", true, "empty tree"},
		{"o\n1\n" + root + "\nTimestamp: 1\nx\n", true, "extension lines"},
		{"o\n1\n" + root, false, "no final newline"},
		{"\n1\n" + root + "\n", false, "empty origin"},
		{"o\n01\n" + root + "\n", false, "leading zero"},
		{"o\n+1\n" + root + "\n", false, "sign"},
		{"o\n-1\n" + root + "\n", false, "negative"},
		{"o\n18446744073709551616\n" + root + "\n", false, "size overflow"},
		{"o\n1\n" + root[:40] + "\n", false, "short root"},
		{"o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 33)) + "\n", false, "33-byte root"},
		{"o\n1\n" + strings.TrimRight(root, "=") + "\n", false, "unpadded root"},
		{"o\n1\n" + root + "\n\n", false, "empty extension line"},
		{"o\n1\n", false, "two lines"},
		{"o\x00\n1\n" + root + "\n", false, "control character"},
		{"o\n1\n" + root + "\n" + strings.Repeat("x\n", 101), false, "too many extension lines"},
	}
	for _, tc := range tests {
		c, err := ParseCheckpoint([]byte(tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("ParseCheckpoint(%s) = %v, want ok=%v", tc.desc, err, tc.ok)
			continue
		}
		if err == nil && string(MarshalCheckpoint(c)) != tc.in {
			t.Errorf("MarshalCheckpoint(ParseCheckpoint(%s)) = %q, want %q", tc.desc, MarshalCheckpoint(c), tc.in)
		}
	}
}

func TestCheckpointConsistencyErrors(t *testing.T) {
	ref := newRefTree(10)
	cp := func(n int) *VerifiedCheckpoint {
		return &VerifiedCheckpoint{Checkpoint: model.Checkpoint{Origin: "o", Size: uint64(n), RootHash: ref.mth(0, n)}, Raw: "note"}
	}
	p := ref.subproof(4, 0, 10, true)
	if _, err := VerifyCheckpointConsistency(cp(4), cp(10), p); err != nil {
		t.Fatalf("consistent: %v", err)
	}
	fork := cp(10)
	fork.RootHash = ref.mth(0, 9)
	var ie *InconsistentError
	if _, err := VerifyCheckpointConsistency(cp(4), fork, p); !errors.As(err, &ie) || ie.Trace == nil || ie.New.Size != 10 {
		t.Errorf("fork: %v, want *InconsistentError with trace", err)
	}
	var rm *RootMismatchError
	if !errors.As(err2(VerifyCheckpointConsistency(cp(4), fork, p)), &rm) {
		t.Error("fork: reason is not a *RootMismatchError")
	}
	same := cp(10)
	same.RootHash = ref.mth(0, 9)
	if _, err := VerifyCheckpointConsistency(cp(10), same, nil); !errors.As(err, &ie) {
		t.Errorf("equal sizes, different roots: %v, want *InconsistentError", err)
	}
	if _, err := VerifyCheckpointConsistency(cp(10), cp(4), p); !errors.As(err, &ie) {
		t.Errorf("rollback: %v, want *InconsistentError", err)
	}
	other := cp(10)
	other.Origin = "p"
	var oe *OriginError
	if _, err := VerifyCheckpointConsistency(cp(4), other, p); !errors.As(err, &oe) {
		t.Errorf("different origins: %v, want *OriginError", err)
	}
	var re *RangeError
	if _, err := VerifyCheckpointConsistency(cp(0), cp(10), nil); !errors.As(err, &re) {
		t.Errorf("empty old tree: %v, want *RangeError", err)
	}
}

func err2[T any](_ T, err error) error { return err }

func TestLogKeyFromPEM(t *testing.T) {
	s := newRekorV1Signer(t, "rekor.example.dev")
	der, _ := x509.MarshalPKIXPublicKey(&s.priv.PublicKey)
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for _, in := range []string{"rekor.example.dev - 1193050959916656506", "rekor.example.dev"} {
		k, err := LogKeyFromPEM(p, in)
		if err != nil || k.ID() != s.logKey(t).ID() {
			t.Errorf("LogKeyFromPEM(%q) = %v, %v; want %s", in, k.ID(), err, s.logKey(t).ID())
		}
	}
	if _, err := VerifyCheckpoint(signNote(t, "rekor.example.dev - 1\n1\n"+base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n", s), []NoteKey{mustKey(LogKeyFromPEM(p, "rekor.example.dev - 1"))}, CheckpointOptions{}); err != nil {
		t.Errorf("checkpoint with key from PEM: %v", err)
	}
	if _, err := LogKeyFromPEM([]byte("junk"), "x"); err == nil {
		t.Error("LogKeyFromPEM(junk) = nil error")
	}
	if _, err := LogKeyFromPEM(p, "go.sum database tree"); err == nil {
		t.Error("LogKeyFromPEM with spaces in the name = nil error")
	}
}

func mustKey(k NoteKey, err error) NoteKey {
	if err != nil {
		panic(err)
	}
	return k
}

// TestPublicKeyDER checks that PublicKeyDER returns the block's SPKI, whose
// SHA-256 is KeyFingerprint, accepts any block type and rejects what is not
// a public key.
func TestPublicKeyDER(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := KeyFingerprint(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"PUBLIC KEY", "EC PUBLIC KEY"} {
		got, err := PublicKeyDER(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
		if err != nil {
			t.Fatalf("PublicKeyDER(%q block) = %v", typ, err)
		}
		if sum := sha256.Sum256(got); fmt.Sprintf("%x", sum) != fp {
			t.Errorf("PublicKeyDER(%q block): sha256 %x, want %s", typ, sum, fp)
		}
	}
	for name, in := range map[string][]byte{
		"no block":   []byte("junk"),
		"not a key":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")}),
		"truncated":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der[:len(der)-1]}),
		"empty file": nil,
	} {
		if _, err := PublicKeyDER(in); err == nil {
			t.Errorf("PublicKeyDER(%s) = nil error", name)
		}
	}
}
