package proof

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// Proof vectors as data: testdata/<kind>/<case>.json = {desc, inputs,
// want | wantErr}, walked by TestVectors. -update-vectors regenerates
// them (expected roots come from the naive reference tree).
var updateVectors = flag.Bool("update-vectors", false, "regenerate testdata/{inclusion,consistency,checkpoint}")

type vector struct {
	Desc    string          `json:"desc"`
	Inputs  json.RawMessage `json:"inputs"`
	Want    json.RawMessage `json:"want,omitempty"`
	WantErr string          `json:"wantErr,omitempty"`
}

type inclusionInputs struct {
	Index    uint64   `json:"index"`
	Size     uint64   `json:"size"`
	LeafHash string   `json:"leafHash"`
	Proof    []string `json:"proof"`
	Root     string   `json:"root"`
}

type consistencyInputs struct {
	Size1 uint64   `json:"size1"`
	Size2 uint64   `json:"size2"`
	Proof []string `json:"proof"`
	Root1 string   `json:"root1"`
	Root2 string   `json:"root2"`
}

type checkpointInputs struct {
	Note    string   `json:"note"`
	Keys    []string `json:"keys"`
	Origin  string   `json:"origin,omitempty"`
	Witness []string `json:"witnessKeys,omitempty"`
}

type stepWant struct {
	Node          string `json:"node"`
	ProofIndex    int    `json:"proofIndex"`
	SiblingOnLeft bool   `json:"siblingOnLeft"`
	Ephemeral     bool   `json:"ephemeral"`
}

type inclusionWant struct {
	Steps []stepWant `json:"steps"`
	Root  string     `json:"root"`
}

type consistencyWant struct {
	Steps1 []stepWant `json:"steps1"`
	Steps2 []stepWant `json:"steps2"`
	Reused []string   `json:"reused"`
}

type checkpointWant struct {
	Origin     string   `json:"origin"`
	Size       uint64   `json:"size"`
	Signatures []string `json:"signatures"`
}

func hexes(hs [][]byte) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, hex.EncodeToString(h))
	}
	return out
}

func unhexes(t *testing.T, ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, mustHex(t, s))
	}
	return out
}

func stepsWant(steps []HashStep) []stepWant {
	out := []stepWant{}
	for _, s := range steps {
		out = append(out, stepWant{s.Node.String(), s.ProofIndex, s.SiblingOnLeft, s.Ephemeral})
	}
	return out
}

// errName names a typed error the way vectors spell it.
func errName(err error) string {
	var (
		rm *RootMismatchError
		ps *ProofSizeError
		re *RangeError
		me *MalformedError
		bs *BadSignatureError
		uk *UnknownKeyError
		oe *OriginError
		hs *HashSizeError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rm):
		return "RootMismatchError"
	case errors.As(err, &ps):
		return "ProofSizeError"
	case errors.As(err, &re):
		return "RangeError"
	case errors.As(err, &me):
		return "MalformedError"
	case errors.As(err, &bs):
		return "BadSignatureError"
	case errors.As(err, &uk):
		return "UnknownKeyError"
	case errors.As(err, &oe):
		return "OriginError"
	case errors.As(err, &hs):
		return "HashSizeError"
	}
	return "error: " + err.Error()
}

func runInclusionVector(t *testing.T, in inclusionInputs) (any, error) {
	tr, err := TraceInclusion(in.Index, in.Size, mustHex(t, in.LeafHash), unhexes(t, in.Proof), mustHex(t, in.Root))
	if err != nil {
		return nil, err
	}
	return inclusionWant{Steps: stepsWant(tr.Steps), Root: hex.EncodeToString(tr.Computed)}, nil
}

func runConsistencyVector(t *testing.T, in consistencyInputs) (any, error) {
	tr, err := TraceConsistency(in.Size1, in.Size2, unhexes(t, in.Proof), mustHex(t, in.Root1), mustHex(t, in.Root2))
	if err != nil {
		return nil, err
	}
	w := consistencyWant{Steps1: stepsWant(tr.Steps1), Steps2: stepsWant(tr.Steps2), Reused: []string{}}
	for _, a := range tr.Reused {
		w.Reused = append(w.Reused, a.String())
	}
	return w, nil
}

func runCheckpointVector(t *testing.T, in checkpointInputs) (any, error) {
	var keys []NoteKey
	for _, k := range in.Keys {
		nk, err := ParseNoteKey(k)
		if err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
		keys = append(keys, nk)
	}
	for _, k := range in.Witness {
		nk, err := ParseWitnessKey(k)
		if err != nil {
			t.Fatalf("witness key %q: %v", k, err)
		}
		keys = append(keys, nk)
	}
	vc, err := VerifyCheckpoint([]byte(in.Note), keys, CheckpointOptions{Origin: in.Origin})
	if err != nil {
		return nil, err
	}
	w := checkpointWant{Origin: vc.Origin, Size: vc.Size}
	for _, s := range vc.Note.Signatures {
		w.Signatures = append(w.Signatures, s.ID()+" "+s.Status.String())
	}
	return w, nil
}

func TestVectors(t *testing.T) {
	if *updateVectors {
		generateVectors(t)
	}
	counts := map[string]int{}
	for _, kind := range []string{"inclusion", "consistency", "checkpoint"} {
		files, err := filepath.Glob(filepath.Join("testdata", kind, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no vectors in testdata/%s (%v)", kind, err)
		}
		for _, f := range files {
			name := kind + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
			t.Run(name, func(t *testing.T) {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var v vector
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				var got any
				switch kind {
				case "inclusion":
					var in inclusionInputs
					mustUnmarshal(t, v.Inputs, &in)
					got, err = runInclusionVector(t, in)
				case "consistency":
					var in consistencyInputs
					mustUnmarshal(t, v.Inputs, &in)
					got, err = runConsistencyVector(t, in)
				case "checkpoint":
					var in checkpointInputs
					mustUnmarshal(t, v.Inputs, &in)
					got, err = runCheckpointVector(t, in)
				}
				if e := errName(err); e != v.WantErr {
					t.Fatalf("%s: error %q (%v), want %q", v.Desc, e, err, v.WantErr)
				}
				if err != nil {
					return
				}
				want := reflect.New(reflect.TypeOf(got)).Interface()
				mustUnmarshal(t, v.Want, want)
				if !reflect.DeepEqual(got, reflect.ValueOf(want).Elem().Interface()) {
					gb, _ := json.Marshal(got)
					t.Errorf("%s:\n got %s\nwant %s", v.Desc, gb, v.Want)
				}
			})
			counts[kind]++
		}
	}
	// The package doc claims 21 + 16 + 11 cases: a deleted or unreadable
	// vector file must fail here, not shrink the table silently.
	if want := map[string]int{"inclusion": 21, "consistency": 16, "checkpoint": 11}; !reflect.DeepEqual(counts, want) {
		t.Errorf("vectors walked %v, want %v (update the package doc)", counts, want)
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// generateVectors writes the vector files: inputs from the reference tree
// (and fixed keys), wants from the current code, reviewed by hand.
func generateVectors(t *testing.T) {
	ref := newRefTree(32)
	write := func(kind, name, desc string, inputs any, run func() (any, error)) {
		in, _ := json.Marshal(inputs)
		got, err := run()
		v := vector{Desc: desc, Inputs: in, WantErr: errName(err)}
		if err == nil {
			v.Want, _ = json.Marshal(got)
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		dir := filepath.Join("testdata", kind)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	incl := func(name, desc string, in inclusionInputs) {
		write("inclusion", name, desc, in, func() (any, error) { return runInclusionVector(t, in) })
	}
	inclIn := func(idx, size int) inclusionInputs {
		return inclusionInputs{uint64(idx), uint64(size), hex.EncodeToString(ref.leaves[idx]), hexes(ref.path(idx, 0, size)), hex.EncodeToString(ref.mth(0, size))}
	}
	for _, c := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {3, 7}, {6, 7}, {4, 8}, {10, 11}, {0, 16}, {15, 16}, {13, 21}, {20, 21}, {31, 32}} {
		incl(fmt.Sprintf("valid-%d-of-%d", c[0], c[1]), fmt.Sprintf("leaf %d of a tree of %d", c[0], c[1]), inclIn(c[0], c[1]))
	}
	in := inclIn(13, 21)
	flip := func(s string) string {
		b := mustHex(t, s)
		b[5] ^= 0x20
		return hex.EncodeToString(b)
	}
	m := in
	m.Proof = append([]string(nil), in.Proof...)
	m.Proof[2] = flip(m.Proof[2])
	incl("bitflip-proof-2", "a bit flipped in proof hash 2", m)
	m = in
	m.Proof = in.Proof[:len(in.Proof)-1]
	incl("truncated-proof", "last proof hash removed", m)
	m = in
	m.Proof = append(append([]string(nil), in.Proof...), in.Proof[0])
	incl("extra-hash", "a proof hash appended", m)
	m = in
	m.Root = flip(in.Root)
	incl("wrong-root", "a bit flipped in the expected root", m)
	m = in
	m.LeafHash = hex.EncodeToString(ref.leaves[12])
	incl("wrong-leaf", "the neighbour's leaf hash", m)
	m = in
	m.Index = 12
	incl("wrong-index", "the proof checked at the neighbour's index", m)
	m = in
	m.Index, m.Size = 21, 21
	incl("index-equals-size", "index 21 in a tree of 21", m)
	m = in
	m.LeafHash = in.LeafHash[:62]
	incl("short-leaf-hash", "a 31-byte leaf hash", m)
	m = in
	m.Proof = []string{in.Proof[1], in.Proof[0], in.Proof[2], in.Proof[3], in.Proof[4]}
	incl("swapped-proof-hashes", "proof hashes 0 and 1 swapped", m)

	cons := func(name, desc string, in consistencyInputs) {
		write("consistency", name, desc, in, func() (any, error) { return runConsistencyVector(t, in) })
	}
	consIn := func(s1, s2 int) consistencyInputs {
		return consistencyInputs{uint64(s1), uint64(s2), hexes(ref.subproof(s1, 0, s2, true)), hex.EncodeToString(ref.mth(0, s1)), hex.EncodeToString(ref.mth(0, s2))}
	}
	for _, c := range [][2]int{{1, 2}, {1, 8}, {3, 7}, {4, 8}, {6, 8}, {7, 11}, {13, 21}, {16, 32}, {21, 21}} {
		cons(fmt.Sprintf("valid-%d-to-%d", c[0], c[1]), fmt.Sprintf("tree of %d extended to %d", c[0], c[1]), consIn(c[0], c[1]))
	}
	ci := consIn(13, 21)
	mc := ci
	mc.Root1, mc.Root2 = ci.Root2, ci.Root1
	cons("swapped-roots", "old and new roots swapped", mc)
	mc = ci
	mc.Proof = ci.Proof[:len(ci.Proof)-1]
	cons("truncated-proof", "last proof hash removed", mc)
	mc = ci
	mc.Proof = append([]string(nil), ci.Proof...)
	mc.Proof[0] = flip(mc.Proof[0])
	cons("bitflip-proof-0", "a bit flipped in proof hash 0 (the seed)", mc)
	mc = ci
	mc.Root2 = hex.EncodeToString(ref.mth(0, 20))
	cons("fork", "new root is of another tree of the same size (fork)", mc)
	mc = ci
	mc.Size1, mc.Size2 = 21, 13
	cons("rollback", "new tree smaller than old", mc)
	mc = consistencyInputs{0, 21, nil, hex.EncodeToString(ref.mth(0, 0)), ci.Root2}
	cons("from-empty-tree", "proof from the empty tree (rejected by policy)", mc)
	mc = consIn(21, 21)
	mc.Root2 = ci.Root1
	cons("equal-sizes-different-roots", "same size, different roots", mc)

	// Checkpoints: a fixed Ed25519 key (deterministic signatures).
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	vkey, _ := note.NewEd25519VerifierKey("example.com/log", priv.Public().(ed25519.PublicKey))
	signer := fixedSigner(t, "example.com/log", priv)
	otherSeed := make([]byte, ed25519.SeedSize)
	otherSeed[0] = 1
	otherPriv := ed25519.NewKeyFromSeed(otherSeed)
	other := fixedSigner(t, "witness.example", otherPriv)
	body := "example.com/log\n21\n" + b64(ref.mth(0, 21)) + "\n"
	cp := func(name, desc string, in checkpointInputs) {
		write("checkpoint", name, desc, in, func() (any, error) { return runCheckpointVector(t, in) })
	}
	signed := string(signNote(t, body, signer))
	cp("valid", "checkpoint signed by the log key", checkpointInputs{Note: signed, Keys: []string{vkey}})
	cp("valid-with-extension", "checkpoint with an extension line", checkpointInputs{Note: string(signNote(t, body+"Timestamp: 1700000000\n", signer)), Keys: []string{vkey}})
	cp("unknown-line-ignored", "second signature from an unknown key is ignored", checkpointInputs{Note: string(signNote(t, body, signer, other)), Keys: []string{vkey}})
	cp("tampered-size", "size changed after signing", checkpointInputs{Note: strings.Replace(signed, "\n21\n", "\n22\n", 1), Keys: []string{vkey}})
	cp("tampered-root", "root changed after signing", checkpointInputs{Note: strings.Replace(signed, b64(ref.mth(0, 21)), b64(ref.mth(0, 20)), 1), Keys: []string{vkey}})
	cp("unknown-key", "signed only by a key we do not trust", checkpointInputs{Note: string(signNote(t, body, other)), Keys: []string{vkey}})
	cp("wrong-origin", "expected origin differs", checkpointInputs{Note: signed, Keys: []string{vkey}, Origin: "example.com/other"})
	cp("no-blank-line", "signature block missing", checkpointInputs{Note: body, Keys: []string{vkey}})
	cp("truncated", "note cut in the middle of the signature", checkpointInputs{Note: signed[:len(signed)-20], Keys: []string{vkey}})
	cp("bad-size-line", "size with a leading zero (signed)", checkpointInputs{Note: string(signNote(t, "example.com/log\n021\n"+b64(ref.mth(0, 21))+"\n", signer)), Keys: []string{vkey}})
	cp("short-root", "31-byte root hash (signed)", checkpointInputs{Note: string(signNote(t, "example.com/log\n21\n"+b64(ref.mth(0, 21)[:31])+"\n", signer)), Keys: []string{vkey}})
}

func b64(b []byte) string { return base64Std(b) }

type fixedNoteSigner struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
}

func (s fixedNoteSigner) Name() string                    { return s.name }
func (s fixedNoteSigner) KeyHash() uint32                 { return s.hash }
func (s fixedNoteSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.priv, msg), nil }

func fixedSigner(t *testing.T, name string, priv ed25519.PrivateKey) note.Signer {
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseNoteKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return fixedNoteSigner{name: name, hash: k.Hash, priv: priv}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
