package mirror

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// TestMirrorWitnessPolicy: with a witness policy (MinWitnesses and the
// witnesses' keys), a checkpoint is mirrored only when enough distinct
// trusted witnesses cosigned it. A cosignature by an untrusted witness, a
// forged cosignature under a trusted witness's name, or the same witness
// twice does not count, and a refused run indexes nothing and is not
// reported as a lie of the log.
func TestMirrorWitnessPolicy(t *testing.T) {
	ctx := context.Background()
	w1, w2, stranger := mirrortest.NewWitness(t, "witness-one.example"), mirrortest.NewWitness(t, "witness-two.example"), mirrortest.NewWitness(t, "stranger.example")
	forged := w2
	forged.Signer = mirrortest.NewWitness(t, "witness-two.example").Signer // w2's name, another key

	tests := []struct {
		name    string
		cosigns []mirrortest.Witness
		min     int
		ok      bool
	}{
		{"no policy, no cosignature", nil, 0, true},
		{"one of one", []mirrortest.Witness{w1}, 1, true},
		{"two of two", []mirrortest.Witness{w1, w2}, 2, true},
		{"none of one", nil, 1, false},
		{"untrusted witness", []mirrortest.Witness{stranger}, 1, false},
		{"forged cosignature", []mirrortest.Witness{w1, forged}, 2, false},
		{"same witness twice", []mirrortest.Witness{w1, w1}, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newSynthLog(t, 300)
			l.files["checkpoint"] = mirrortest.Cosign(t, l.files["checkpoint"], tc.cosigns...)
			dir := t.TempDir()
			keys := append(append([]proof.NoteKey{}, l.keys...), w1.Key, w2.Key)
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
