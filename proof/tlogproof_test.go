package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// testTlogProof returns a tlog-proof for leaf i of a small test log.
func testTlogProof(t *testing.T, l *testLog, bodies [][]byte, i int) []byte {
	t.Helper()
	size := len(l.tree.leaves)
	cp := MarshalCheckpoint(model.Checkpoint{Origin: fmt.Sprintf("rekor.example.dev - %d", l.treeID), Size: uint64(size), RootHash: l.tree.mth(0, size)})
	return MarshalTlogProof(TlogProof{Extra: bodies[i], Index: uint64(i), Hashes: l.tree.path(i, 0, size), Checkpoint: signNote(t, string(cp), l.signer)})
}

func TestTlogProof(t *testing.T) {
	bodies := testBodies(11)
	l := newTestLog(t, bodies)
	keys := LogKeys{Public: &l.signer.priv.PublicKey}
	for i := range bodies {
		raw := testTlogProof(t, l, bodies, i)
		p, err := ParseTlogProof(raw)
		if err != nil {
			t.Fatalf("ParseTlogProof(leaf %d): %v", i, err)
		}
		if !bytes.Equal(MarshalTlogProof(p), raw) {
			t.Fatalf("leaf %d: parse→marshal changed the proof", i)
		}
		if r := ExplainTlogProof(raw, keys).Result; r.Verdict() != model.VerdictVerified {
			t.Fatalf("leaf %d: %s", i, r.Reason())
		}
	}
	raw := testTlogProof(t, l, bodies, 5)
	other := newTestLog(t, bodies)
	withIndex := func(n string) []byte {
		return bytes.Replace(raw, []byte("\nindex 5\n"), []byte("\nindex "+n+"\n"), 1)
	}
	p, _ := ParseTlogProof(raw)
	tests := []struct {
		name string
		in   []byte
		keys LogKeys
		step string
	}{
		{"other body", MarshalTlogProof(TlogProof{Extra: bodies[4], Index: 5, Hashes: p.Hashes, Checkpoint: p.Checkpoint}), keys, StepInclusionProof},
		{"other index", withIndex("4"), keys, StepInclusionProof},
		{"leading zero", withIndex("05"), keys, StepTlogProofFormat},
		{"no body", MarshalTlogProof(TlogProof{Index: 5, Hashes: p.Hashes, Checkpoint: p.Checkpoint}), keys, StepTlogProofLeaf},
		{"other log key", raw, LogKeys{Public: &other.signer.priv.PublicKey}, StepCheckpoint},
		{"no log key", raw, LogKeys{}, StepCheckpoint},
		{"bad header", append([]byte("c2sp.org/tlog-proof@v2"), raw[len(TlogProofHeader):]...), keys, StepTlogProofFormat},
		{"short hash", bytes.Replace(raw, []byte(base64.StdEncoding.EncodeToString(p.Hashes[0])), []byte("AAAA"), 1), keys, StepTlogProofFormat},
		{"truncated", raw[:len(raw)/2], keys, StepTlogProofFormat},
	}
	for _, tt := range tests {
		r := ExplainTlogProof(tt.in, tt.keys).Result
		if r.Verdict() == model.VerdictVerified || r.FirstFailure().Name != tt.step {
			t.Errorf("%s: verdict %v, first failure %v, want a failure at %s", tt.name, r.Verdict(), r.FirstFailure(), tt.step)
		}
	}
	// Every single-bit flip fails.
	for pos := range raw {
		mut := bytes.Clone(raw)
		mut[pos] ^= 0x01
		if ExplainTlogProof(mut, keys).Result.Verdict() == model.VerdictVerified {
			t.Fatalf("flipping byte %d (%q) still verifies", pos, raw[pos])
		}
	}
}

func TestBindEntryToDigest(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	other := "sha256:" + strings.Repeat("cd", 32)
	ss := func(d string) []byte {
		return []byte(`{"critical":{"identity":{"docker-reference":"r.example/a"},"image":{"docker-manifest-digest":"` + d + `"},"type":"cosign container image signature"},"optional":null}`)
	}
	st := func(d string) []byte {
		b, _ := json.Marshal(map[string]any{"_type": "https://in-toto.io/Statement/v1", "subject": []any{map[string]any{"digest": map[string]string{"sha256": strings.TrimPrefix(d, "sha256:")}}}})
		return b
	}
	hashed := func(p []byte) *body.Body {
		s := sha256.Sum256(p)
		return &body.Body{Kind: "hashedrekord", ArtifactDigest: body.Digest{Algorithm: "sha256", Hex: fmt.Sprintf("%x", s)}}
	}
	dsse := func(p []byte) *body.Body {
		s := sha256.Sum256(p)
		return &body.Body{Kind: "dsse", PayloadHash: body.Digest{Algorithm: "sha256", Hex: fmt.Sprintf("%x", s)}}
	}
	tests := []struct {
		name       string
		b          *body.Body
		digest     string
		candidates [][]byte
		indexed    bool
		want       DigestBinding
	}{
		{"simple-signing", hashed(ss(digest)), digest, [][]byte{ss(other), ss(digest)}, false, BindSimpleSigning},
		{"simple-signing of another digest", hashed(ss(other)), digest, [][]byte{ss(other)}, false, BindNone},
		{"payload not the body's", hashed(ss(other)), digest, [][]byte{ss(digest)}, false, BindNone},
		{"statement subject", dsse(st(digest)), digest, [][]byte{st(digest)}, true, BindStatementSubject},
		{"statement of another digest, indexed", dsse(st(other)), digest, [][]byte{st(other)}, true, BindIndexOnly},
		{"no payload, indexed", dsse(st(digest)), digest, nil, true, BindIndexOnly},
		{"no payload", dsse(st(digest)), digest, nil, false, BindNone},
		{"statement hash on a hashedrekord", hashed(st(digest)), digest, [][]byte{st(digest)}, false, BindNone},
		{"short digest", hashed(ss(digest)), "sha256:abab", [][]byte{ss(digest)}, true, BindNone},
		{"nil body", nil, digest, [][]byte{ss(digest)}, true, BindNone},
	}
	for _, tt := range tests {
		if got, detail := BindEntryToDigest(tt.b, tt.digest, tt.candidates, tt.indexed); got != tt.want {
			t.Errorf("%s: BindEntryToDigest = %s (%s), want %s", tt.name, got, detail, tt.want)
		}
	}
}
