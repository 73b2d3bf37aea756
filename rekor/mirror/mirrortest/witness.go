package mirrortest

import (
	"crypto/rand"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/proof"
)

// Witness is a C2SP tlog-cosignature witness for tests: it adds
// cosignature/v1 lines to checkpoint notes.
type Witness struct {
	Signer note.Signer
	// VKey is its verifier key (the --witness-key form), Key the same
	// parsed as a trusted witness key.
	VKey string
	Key  proof.NoteKey
}

// NewWitness returns a witness with a fresh Ed25519 key named name.
func NewWitness(t testing.TB, name string) Witness {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := proof.ParseWitnessKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return Witness{Signer: s, VKey: vkey, Key: k}
}

// Cosign returns the checkpoint note msg with a cosignature line by each
// witness added after its signatures.
func Cosign(t testing.TB, msg []byte, ws ...Witness) []byte {
	t.Helper()
	text, sigs, ok := strings.Cut(string(msg), "\n\n")
	if !ok {
		t.Fatalf("checkpoint %q has no signature block", msg)
	}
	n := &note.Note{Text: text + "\n"}
	for _, w := range ws {
		out, err := note.Sign(n, w.Signer)
		if err != nil {
			t.Fatal(err)
		}
		_, line, _ := strings.Cut(string(out), "\n\n")
		sigs += line
	}
	return []byte(text + "\n\n" + sigs)
}

// Mutator cosigns every checkpoint a World serves (World.SetMutator).
func (w Witness) Mutator(t testing.TB) Mutator {
	return func(path string, b []byte) []byte {
		if path != "checkpoint" || !strings.Contains(string(b), "\n\n") {
			return b
		}
		return Cosign(t, b, w)
	}
}
