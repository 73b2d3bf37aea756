package mirror

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/proof"
)

// witness is a C2SP tlog-cosignature witness for tests.
type witness struct {
	signer note.Signer
	key    proof.NoteKey
}

func newWitness(t *testing.T, name string) witness {
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
	return witness{signer: s, key: k}
}

// cosign adds the witnesses' cosignatures to the log's checkpoint note.
func cosign(t *testing.T, msg []byte, ws ...witness) []byte {
	t.Helper()
	text, sigs, ok := strings.Cut(string(msg), "\n\n")
	if !ok {
		t.Fatalf("checkpoint %q has no signature block", msg)
	}
	n := &note.Note{Text: text + "\n"}
	for _, w := range ws {
		out, err := note.Sign(n, w.signer)
		if err != nil {
			t.Fatal(err)
		}
		_, line, _ := strings.Cut(string(out), "\n\n")
		sigs += line
	}
	return []byte(text + "\n\n" + sigs)
}

// TestMirrorWitnessPolicy: with a witness policy (MinWitnesses and the
// witnesses' keys), a checkpoint is mirrored only when enough distinct
// trusted witnesses cosigned it. A cosignature by an untrusted witness, a
// forged cosignature under a trusted witness's name, or the same witness
// twice does not count, and a refused run indexes nothing and is not
// reported as a lie of the log.
func TestMirrorWitnessPolicy(t *testing.T) {
	ctx := context.Background()
	w1, w2, stranger := newWitness(t, "witness-one.example"), newWitness(t, "witness-two.example"), newWitness(t, "stranger.example")
	forged := w2
	forged.signer = newWitness(t, "witness-two.example").signer // w2's name, another key

	tests := []struct {
		name    string
		cosigns []witness
		min     int
		ok      bool
	}{
		{"no policy, no cosignature", nil, 0, true},
		{"one of one", []witness{w1}, 1, true},
		{"two of two", []witness{w1, w2}, 2, true},
		{"none of one", nil, 1, false},
		{"untrusted witness", []witness{stranger}, 1, false},
		{"forged cosignature", []witness{w1, forged}, 2, false},
		{"same witness twice", []witness{w1, w1}, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newSynthLog(t, 300)
			l.files["checkpoint"] = cosign(t, l.files["checkpoint"], tc.cosigns...)
			dir := t.TempDir()
			keys := append(append([]proof.NoteKey{}, l.keys...), w1.key, w2.key)
			res, err := Sync(ctx, Config{Dir: dir, Fetch: l.fetch, Keys: keys, MinWitnesses: tc.min, Index: true})
			if tc.ok {
				if err != nil || res.To != 300 {
					t.Fatalf("Sync = %+v, %v; want 300 entries", res, err)
				}
				return
			}
			var quorum *proof.QuorumError
			if !errors.As(err, &quorum) || !strings.Contains(err.Error(), "does not meet the witness policy") {
				t.Fatalf("Sync = %+v, %v; want a witness-policy refusal", res, err)
			}
			if lie := new(LieError); errors.As(err, &lie) {
				t.Errorf("Sync = %v: a missing witness is not a lie of the log", err)
			}
			if info, err := ReadInfo(ctx, dir); err == nil && info.Size != 0 {
				t.Errorf("after a refused checkpoint the mirror holds %d entries, want 0", info.Size)
			}
			if _, err := os.Stat(filepath.Join(dir, "tile")); err == nil {
				t.Errorf("after a refused checkpoint the mirror holds tiles")
			}
		})
	}
}
