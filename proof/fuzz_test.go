package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/model"
)

// fuzzHashes splits data into up to 70 "hashes": mostly 32-byte chunks, so
// that valid-looking proofs are reachable, with a short last chunk.
func fuzzHashes(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 && len(out) < 70 {
		n := min(hashSize, len(data))
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// FuzzTraceInclusionDifferential checks that the trace and
// transparency-dev/merkle always agree: the trace's Computed equals Expected
// exactly when the library accepts, and the error is typed.
func FuzzTraceInclusionDifferential(f *testing.F) {
	ref := newRefTree(21)
	for _, c := range []struct{ idx, size int }{{0, 1}, {3, 7}, {20, 21}, {8, 16}} {
		var blob []byte
		for _, h := range ref.path(c.idx, 0, c.size) {
			blob = append(blob, h...)
		}
		f.Add(uint64(c.idx), uint64(c.size), ref.leaves[c.idx], blob, ref.mth(0, c.size), false)
	}
	f.Add(uint64(5), uint64(3), make([]byte, 32), []byte{}, make([]byte, 32), true)
	f.Fuzz(func(t *testing.T, index, size uint64, leaf, blob, root []byte, fixRoot bool) {
		if len(blob) > 70*hashSize || len(leaf) > 64 || len(root) > 64 {
			return
		}
		hashes := fuzzHashes(blob)
		if fixRoot && index < size && len(leaf) == hashSize {
			// Make acceptance reachable: take the root the library computes.
			if r, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, index, size, leaf, hashes); err == nil {
				root = r
			}
		}
		libErr := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leaf, hashes, root)
		tr, err := TraceInclusion(index, size, leaf, hashes, root)
		if (libErr == nil) != (err == nil) {
			t.Fatalf("TraceInclusion verdict %v, library %v", err, libErr)
		}
		if tr != nil {
			if tr.Matches() != (libErr == nil) {
				t.Fatalf("trace matches=%v, library %v", tr.Matches(), libErr)
			}
			if len(tr.Steps) > 0 && tr.Steps[len(tr.Steps)-1].Node != RootAddr(size) {
				t.Fatalf("last step node %v, want root %v", tr.Steps[len(tr.Steps)-1].Node, RootAddr(size))
			}
		}
		if tr == nil && libErr == nil {
			t.Fatal("no trace for an accepted proof")
		}
	})
}

// FuzzTraceConsistencyDifferential is the consistency counterpart.
func FuzzTraceConsistencyDifferential(f *testing.F) {
	ref := newRefTree(21)
	for _, c := range []struct{ s1, s2 int }{{1, 8}, {3, 7}, {4, 21}, {6, 6}, {13, 20}} {
		var blob []byte
		for _, h := range ref.subproof(c.s1, 0, c.s2, true) {
			blob = append(blob, h...)
		}
		f.Add(uint64(c.s1), uint64(c.s2), blob, ref.mth(0, c.s1), ref.mth(0, c.s2), false)
	}
	f.Fuzz(func(t *testing.T, size1, size2 uint64, blob, root1, root2 []byte, fixRoots bool) {
		if len(blob) > 70*hashSize || len(root1) > 64 || len(root2) > 64 {
			return
		}
		hashes := fuzzHashes(blob)
		if fixRoots {
			// Make acceptance reachable: a trace that reports its computed
			// roots lets us feed them back.
			if tr, _ := TraceConsistency(size1, size2, hashes, root1, root2); tr != nil && len(tr.Steps1)+len(tr.Steps2) > 0 {
				root1, root2 = tr.Computed1, tr.Computed2
			}
		}
		libErr := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, hashes, root1, root2)
		tr, err := TraceConsistency(size1, size2, hashes, root1, root2)
		if size1 == 0 {
			// Policy: proofs from the empty tree are rejected (VerifyConsistency doc).
			var re *RangeError
			if !errors.As(err, &re) || tr != nil {
				t.Fatalf("TraceConsistency(0, %d) = %v, want *RangeError and no trace", size2, err)
			}
			return
		}
		if (libErr == nil) != (err == nil) {
			t.Fatalf("TraceConsistency verdict %v, library %v", err, libErr)
		}
		if tr != nil && tr.Matches() != (libErr == nil) {
			t.Fatalf("trace matches=%v, library %v", tr.Matches(), libErr)
		}
	})
}

// FuzzLeafHash checks LeafHash against the RFC 6962 definition.
func FuzzLeafHash(f *testing.F) {
	f.Add([]byte("L123456"))
	f.Fuzz(func(t *testing.T, data []byte) {
		want := rfc6962.DefaultHasher.HashLeaf(data)
		if got := LeafHash(data); !bytes.Equal(got, want) {
			t.Fatalf("LeafHash = %x, want %x", got, want)
		}
	})
}

// FuzzParseCheckpointRoundTrip: parse → marshal → parse gives the same
// checkpoint and the same bytes; nothing panics.
func FuzzParseCheckpointRoundTrip(f *testing.F) {
	f.Add([]byte(testBody))
	f.Add([]byte("rekor.sigstore.dev - 2605736670972794746\n55510966\nJCi1O53Xmdi9lXnui4Q5SQ+MJSMnWr1Bxn+Q2Qf22tU=\nTimestamp: 1703705040158839214\n"))
	f.Add([]byte("go.sum database tree\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Add([]byte("o\n01\nAAAA\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		c, err := ParseCheckpoint(in)
		if err != nil {
			return
		}
		out := MarshalCheckpoint(c)
		if !bytes.Equal(out, in) {
			t.Fatalf("MarshalCheckpoint(ParseCheckpoint(%q)) = %q", in, out)
		}
		c2, err := ParseCheckpoint(out)
		if err != nil || c2.Origin != c.Origin || c2.Size != c.Size || !bytes.Equal(c2.RootHash, c.RootHash) || len(c2.Extra) != len(c.Extra) {
			t.Fatalf("round trip: %+v, %v; want %+v", c2, err, c)
		}
	})
}

// FuzzVerifyCheckpoint: arbitrary notes never panic; a note accepted by
// VerifyCheckpoint has a log signature that verifies on its own, and any
// change to an accepted note's text is rejected.
func FuzzVerifyCheckpoint(f *testing.F) {
	logS, logK := ed25519Signer(f, "example.com/log")
	wS, wK := witnessSigner(f, "witness.example")
	v1 := newRekorV1Signer(f, "rekor.example.dev")
	keys := []NoteKey{logK, wK, v1.logKey(f)}
	f.Add(signNote(f, testBody, logS), 0)
	f.Add(signNote(f, testBody, logS, wS), 3)
	f.Add(signNote(f, testBody, v1), 20)
	f.Add([]byte("x\n\n— a AAAAAAA=\n"), 1)
	f.Fuzz(func(t *testing.T, msg []byte, flip int) {
		if len(msg) > 1<<16 {
			return
		}
		vc, err := VerifyCheckpoint(msg, keys, CheckpointOptions{})
		if err != nil {
			return
		}
		if vc.Note.Count(SigVerified, RoleLog) == 0 {
			t.Fatal("accepted without a verified log signature")
		}
		// Flip one bit of the text: must not verify any more.
		text := []byte(vc.Note.Text)
		i := flip % len(text)
		if i < 0 {
			i = -i
		}
		mut := append(append([]byte{}, text...), msg[len(text):]...)
		mut[i] ^= 0x01
		if _, err := VerifyCheckpoint(mut, keys, CheckpointOptions{}); err == nil {
			t.Fatalf("bit %d flipped in the text still verifies: %q", i, mut)
		}
	})
}

// FuzzVerifySET: only the exact signed payload verifies.
func FuzzVerifySET(f *testing.F) {
	s := newRekorV1Signer(f, "rekor.example.dev")
	fp, _ := KeyFingerprint(&s.priv.PublicKey)
	good := SETPayload{Body: []byte(`{"kind":"hashedrekord"}`), IntegratedTime: 1700000000, LogID: fp, LogIndex: 42}
	set := signSET(f, s.priv, good)
	f.Add(good.Body, good.IntegratedTime, good.LogID, good.LogIndex, set)
	f.Add([]byte{}, int64(-1), "", int64(-1), []byte{0x30})
	f.Fuzz(func(t *testing.T, body []byte, itime int64, logID string, logIndex int64, sig []byte) {
		if len(body) > 1<<16 || len(sig) > 1024 || len(logID) > 256 {
			return
		}
		p := SETPayload{Body: body, IntegratedTime: itime, LogID: logID, LogIndex: logIndex}
		err := VerifySET(sig, p, &s.priv.PublicKey)
		same := bytes.Equal(body, good.Body) && itime == good.IntegratedTime && logID == good.LogID && logIndex == good.LogIndex
		if err == nil && !same {
			t.Fatalf("a different payload verifies: %+v", p)
		}
	})
}

// FuzzParseEntryResponse: arbitrary input never panics, and whatever parses
// can be verified without panicking.
func FuzzParseEntryResponse(f *testing.F) {
	bodies := testBodies(5)
	l := newTestLog(f, bodies)
	u, js := l.anon(f, bodies[2], 2)
	bare, _ := json.Marshal(js)
	keyed, _ := json.Marshal(map[string]any{u: js})
	f.Add(bare)
	f.Add(keyed)
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`{"body":"","logIndex":-1}`))
	keys := LogKeys{Public: &l.signer.priv.PublicKey}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<16 {
			return
		}
		es, err := ParseEntryResponse(in)
		if err != nil {
			return
		}
		for _, e := range es {
			if e.LogIndex < 0 || (e.Proof != nil && (e.Proof.LogIndex < 0 || e.Proof.TreeSize < 1)) {
				t.Fatalf("parser let negative indices through: %+v", e)
			}
			r := VerifyEntry(e, keys, EntryOptions{})
			if r.Verdict() == model.VerdictVerified && !bytes.Equal(e.Body, bodies[2]) {
				t.Fatalf("a body the log never signed verifies: %q", e.Body)
			}
		}
	})
}

// FuzzParseNoteKey: differential against golang.org/x/mod/sumdb/note,
// which parses Ed25519 verifier keys (algorithm 0x01) and nothing else.
// Every key note.NewVerifier accepts, ParseNoteKey accepts with the same
// name and key hash; every Ed25519 key ParseNoteKey accepts, note accepts
// too; and any accepted key is named by its vkey's own name+hash prefix.
func FuzzParseNoteKey(f *testing.F) {
	f.Add("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
	f.Add("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
	f.Add("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
	f.Add(" sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8\n")
	f.Add("rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=")
	f.Add("a+b+c")
	f.Fuzz(func(t *testing.T, vkey string) {
		if len(vkey) > 4096 {
			return
		}
		trimmed := strings.TrimSpace(vkey) // ParseNoteKey trims; note does not
		k, err := ParseNoteKey(vkey)
		ref, refErr := note.NewVerifier(trimmed)
		if refErr == nil && (err != nil || k.Name != ref.Name() || k.Hash != ref.KeyHash()) {
			t.Fatalf("ParseNoteKey(%q) = %s, %v; x/mod note parses %s+%08x", vkey, k.ID(), err, ref.Name(), ref.KeyHash())
		}
		if err == nil {
			if k.Verifier() == nil {
				t.Fatal("key without verifier")
			}
			if k.Alg == "ed25519" && refErr != nil {
				t.Fatalf("ParseNoteKey(%q) accepts an Ed25519 key x/mod note rejects: %v", vkey, refErr)
			}
			if name, rest, _ := strings.Cut(trimmed, "+"); name != k.Name || !strings.HasPrefix(strings.ToLower(rest), fmt.Sprintf("%08x+", k.Hash)) {
				t.Fatalf("ParseNoteKey(%q) = %s: not the vkey's own name+hash", vkey, k.ID())
			}
		}
		if k, err := ParseWitnessKey(vkey); err == nil && k.Verifier() == nil {
			t.Fatal("witness key without verifier")
		}
	})
}
