package proof

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
)

// readJSON reads a real-world vector file into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
}

// The transparency-dev/merkle probe files: testdata/inclusion and
// testdata/consistency, 196 vectors in all (README "merkle vectors 196/196").
type merkleProbe struct {
	Desc     string   `json:"desc"`
	LeafIdx  uint64   `json:"leafIdx"`
	TreeSize uint64   `json:"treeSize"`
	Root     []byte   `json:"root"`
	LeafHash []byte   `json:"leafHash"`
	Size1    uint64   `json:"size1"`
	Size2    uint64   `json:"size2"`
	Root1    []byte   `json:"root1"`
	Root2    []byte   `json:"root2"`
	Proof    [][]byte `json:"proof"`
	WantErr  bool     `json:"wantErr"`
}

const wantMerkleVectors = 196

func TestRealWorldMerkleVectors(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "merkle")
	counts := map[string]int{}
	total, passed := 0, 0
	for _, kind := range []string{"inclusion", "consistency"} {
		err := filepath.WalkDir(filepath.Join(dir, kind), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			total++
			var p merkleProbe
			readJSON(t, path, &p)
			rel, _ := filepath.Rel(dir, path)
			var verr error
			var matches bool
			if kind == "inclusion" {
				tr, err := TraceInclusion(p.LeafIdx, p.TreeSize, p.LeafHash, p.Proof, p.Root)
				verr, matches = err, tr != nil && tr.Matches()
			} else {
				tr, err := TraceConsistency(p.Size1, p.Size2, p.Proof, p.Root1, p.Root2)
				verr, matches = err, tr != nil && tr.Matches()
			}
			if (verr != nil) != p.WantErr {
				t.Errorf("%s (%s): err = %v, wantErr %v", rel, p.Desc, verr, p.WantErr)
				return nil
			}
			if matches != (verr == nil) {
				t.Errorf("%s (%s): trace matches=%v but verdict %v", rel, p.Desc, matches, verr)
				return nil
			}
			passed++
			if p.WantErr {
				counts[kind+" rejected"]++
			} else {
				counts[kind+" accepted"]++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != wantMerkleVectors || passed != wantMerkleVectors {
		t.Errorf("merkle vectors: %d/%d passed, want %d/%d", passed, total, wantMerkleVectors, wantMerkleVectors)
	}
	// The package doc's table: 12 accepted, 184 rejected.
	accepted := counts["inclusion accepted"] + counts["consistency accepted"]
	rejected := counts["inclusion rejected"] + counts["consistency rejected"]
	if accepted != 12 || rejected != 184 {
		t.Errorf("merkle vectors: %d accepted, %d rejected %v; want 12, 184", accepted, rejected, counts)
	}
}

func TestRealWorldReferenceTree(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "merkle")
	var tree struct {
		Leaves []string   `json:"leaf_inputs_hex"`
		Nodes  [][]string `json:"node_hashes_by_level_hex"`
		Roots  []string   `json:"root_hashes_by_tree_size_hex"`
	}
	readJSON(t, filepath.Join(dir, "reference_tree.json"), &tree)
	ref := &refTree{}
	for _, l := range tree.Leaves {
		ref.leaves = append(ref.leaves, LeafHash(mustHex(t, l)))
	}
	checked := 0
	for level, nodes := range tree.Nodes {
		for i, want := range nodes {
			got := ref.nodeHash(NodeAddr{Level: uint(level), Index: uint64(i)}, len(ref.leaves))
			if !bytes.Equal(got, mustHex(t, want)) {
				t.Errorf("node (%d,%d) = %x, want %s", level, i, got, want)
			}
			checked++
		}
	}
	// Every inclusion proof and consistency proof in the reference tree
	// must verify against its published roots, with a full trace.
	for n := 1; n < len(tree.Roots); n++ {
		root := mustHex(t, tree.Roots[n])
		if got := ref.mth(0, n); !bytes.Equal(got, root) {
			t.Fatalf("root of size %d = %x, want %x", n, got, root)
		}
		for i := 0; i < n; i++ {
			if _, err := TraceInclusion(uint64(i), uint64(n), ref.leaves[i], ref.path(i, 0, n), root); err != nil {
				t.Errorf("TraceInclusion(%d, %d) = %v", i, n, err)
			}
			checked++
		}
		for m := 1; m <= n; m++ {
			if _, err := TraceConsistency(uint64(m), uint64(n), ref.subproof(m, 0, n, true), mustHex(t, tree.Roots[m]), root); err != nil {
				t.Errorf("TraceConsistency(%d, %d) = %v", m, n, err)
			}
			checked++
		}
	}
	// 15 node hashes (8+4+2+1 over 8 leaves), then for each tree size n in
	// 1..8 n inclusion proofs and n consistency proofs: 15 + 2*36 = 87, the
	// count the package doc claims. Fewer means the vector file shrank or
	// failed to parse into the fields above.
	if checked != wantReferenceTreeChecks {
		t.Errorf("reference tree: %d node hashes and proofs checked, want %d", checked, wantReferenceTreeChecks)
	}
}

const (
	wantReferenceTreeChecks = 87
	wantHasherVectors       = 4
)

func TestRealWorldHasherVectors(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "merkle")
	var v struct {
		Vectors []struct {
			Desc       string `json:"desc"`
			Op         string `json:"op"`
			InputHex   string `json:"input_hex"`
			InputASCII string `json:"input_ascii"`
			LeftASCII  string `json:"left_ascii"`
			RightASCII string `json:"right_ascii"`
			WantHex    string `json:"want_hex"`
		} `json:"vectors"`
	}
	readJSON(t, filepath.Join(dir, "rfc6962_hasher_vectors.json"), &v)
	if len(v.Vectors) != wantHasherVectors {
		t.Errorf("rfc6962 hasher vectors: %d in the file, want %d", len(v.Vectors), wantHasherVectors)
	}
	for _, c := range v.Vectors {
		var got []byte
		switch c.Op {
		case "empty_root":
			got = ref0EmptyRoot()
		case "leaf":
			in := []byte(c.InputASCII)
			if c.InputHex != "" {
				in = mustHex(t, c.InputHex)
			}
			got = LeafHash(in)
		case "children":
			got = NodeHash([]byte(c.LeftASCII), []byte(c.RightASCII))
		default:
			t.Fatalf("%s: unknown op %q", c.Desc, c.Op)
		}
		if c.WantHex == "" || hex.EncodeToString(got) != c.WantHex {
			t.Errorf("%s: got %x, want %q", c.Desc, got, c.WantHex)
		}
	}
}

func ref0EmptyRoot() []byte { return (&refTree{}).mth(0, 0) }

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// realWorldLogKey builds the trusted key INDEX.json names in
// "checked_with_key".
func realWorldLogKey(t *testing.T, dir, name string) NoteKey {
	t.Helper()
	pemFiles := map[string]string{
		"rekor.sigstore.dev":                "trust/production_rekor.sigstore.dev.pem",
		"rekor.sigstage.dev":                "trust/staging_rekor.sigstage.dev.pem",
		"log2025-1.rekor.sigstore.dev":      "trust/production_log2025-1.rekor.sigstore.dev.pem",
		"log2025-alpha1.rekor.sigstage.dev": "trust/staging_log2025-alpha1.rekor.sigstage.dev.pem",
		"log2025-alpha3.rekor.sigstage.dev": "trust/staging_log2025-alpha3.rekor.sigstage.dev.pem",
		"rekor-local":                       "checkpoints/rekor-local_ed25519.pub",
	}
	if f, ok := pemFiles[name]; ok {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ParsePublicKeyPEM(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		k, err := NewLogKey(name, pub)
		if err != nil {
			t.Fatalf("NewLogKey(%s) = %v", name, err)
		}
		return k
	}
	b, err := os.ReadFile(filepath.Join(dir, "checkpoints", strings.TrimSuffix(name, ".vkey-file")+".vkey"))
	if err != nil {
		t.Fatalf("no key for %q: %v", name, err)
	}
	k, err := ParseNoteKey(string(b))
	if err != nil {
		t.Fatalf("ParseNoteKey(%s) = %v", name, err)
	}
	return k
}

// checkpointOutcome names what VerifyCheckpoint decided.
func checkpointOutcome(err error) string {
	var (
		me  *MalformedError
		bad *BadSignatureError
		unk *UnknownKeyError
	)
	switch {
	case err == nil:
		return "verified"
	case errors.As(err, &me):
		return "malformed"
	case errors.As(err, &bad):
		return "bad signature"
	case errors.As(err, &unk):
		return "unknown key"
	}
	return "other: " + err.Error()
}

const wantRealWorldCheckpoints = 41

func TestRealWorldCheckpoints(t *testing.T) {
	dir := testenv.RealWorld(t)
	var index struct {
		Checkpoints []struct {
			File   string `json:"file"`
			Expect string `json:"expect"`
			Key    string `json:"checked_with_key"`
			Why    string `json:"why"`
		} `json:"checkpoints"`
	}
	readJSON(t, filepath.Join(dir, "INDEX.json"), &index)
	if len(index.Checkpoints) != wantRealWorldCheckpoints {
		t.Errorf("INDEX.json lists %d checkpoints, want %d", len(index.Checkpoints), wantRealWorldCheckpoints)
	}
	// Policy choices (package doc): a signer name that differs from the
	// log's key name matches no key; unknown extra lines are ignored.
	policy := map[string]bool{
		"sigstore-js_prod_21428036_regex-name_invalid.txt": false,
		"sigstore-java_valid_multi_sig.txt":                true,
	}
	counts := map[string]int{}
	agree := 0
	for _, c := range index.Checkpoints {
		msg, err := os.ReadFile(filepath.Join(dir, "checkpoints", c.File))
		if err != nil {
			t.Fatal(err)
		}
		key := realWorldLogKey(t, dir, c.Key)
		vc, err := VerifyCheckpoint(msg, []NoteKey{key}, CheckpointOptions{})
		outcome := checkpointOutcome(err)
		counts[outcome]++
		wantValid, isPolicy := policy[c.File]
		if !isPolicy {
			switch {
			case strings.HasPrefix(c.Expect, "valid"):
				wantValid = true
			case strings.HasPrefix(c.Expect, "invalid"):
				wantValid = false
			default:
				t.Errorf("%s: unexpected expectation %q", c.File, c.Expect)
				continue
			}
		}
		if (err == nil) != wantValid {
			t.Errorf("VerifyCheckpoint(%s) = %v, want valid=%v (%s: %s)", c.File, err, wantValid, c.Expect, c.Why)
			continue
		}
		if err == nil {
			if _, err := ParseCheckpoint(MarshalCheckpoint(vc.Checkpoint)); err != nil {
				t.Errorf("%s: round trip: %v", c.File, err)
			}
			if !bytes.Equal(MarshalCheckpoint(vc.Checkpoint), []byte(vc.Note.Text)) {
				t.Errorf("%s: MarshalCheckpoint does not reproduce the signed text", c.File)
			}
		}
		agree++
	}
	if agree != len(index.Checkpoints) {
		t.Errorf("checkpoints: %d/%d as expected", agree, len(index.Checkpoints))
	}
	// The package doc's table reports these counts.
	if want := map[string]int{"verified": 24, "malformed": 13, "unknown key": 4}; !reflect.DeepEqual(counts, want) {
		t.Errorf("checkpoint outcomes %v, want %v (update the package doc)", counts, want)
	}
	t.Logf("checkpoints: %d/%d as expected; outcomes %v", agree, len(index.Checkpoints), counts)
}

func TestRealWorldCheckpointDetails(t *testing.T) {
	dir := testenv.RealWorld(t)
	read := func(f string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "checkpoints", f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	prod := realWorldLogKey(t, dir, "rekor.sigstore.dev")
	// The published vkey and the key built from the PEM are the same key.
	vk := realWorldLogKey(t, dir, "rekor.sigstore.dev.vkey-file")
	if prod.ID() != vk.ID() || prod.ID() != "rekor.sigstore.dev+c0d23d6a" {
		t.Errorf("PEM key %s, vkey %s, want rekor.sigstore.dev+c0d23d6a", prod.ID(), vk.ID())
	}
	// Multi-signature note: one verified, one ignored.
	vc, err := VerifyCheckpoint(read("sigstore-java_valid_multi_sig.txt"), []NoteKey{prod}, CheckpointOptions{Origin: "rekor.sigstore.dev - 2605736670972794746"})
	if err != nil {
		t.Fatal(err)
	}
	if got := []SigStatus{vc.Note.Signatures[0].Status, vc.Note.Signatures[1].Status}; got[0] != SigVerified || got[1] != SigUnknownKey {
		t.Errorf("multi-sig outcomes %v, want [verified unknown key]", got)
	}
	if vc.Size != 37795272 || vc.Extra[0] != "Timestamp: 1697034484441201852" {
		t.Errorf("parsed %+v", vc.Checkpoint)
	}
	// Wrong origin expectation.
	_, err = VerifyCheckpoint(read("sigstore-java_valid_multi_sig.txt"), []NoteKey{prod}, CheckpointOptions{Origin: "rekor.sigstore.dev - 1193050959916656506"})
	var oe *OriginError
	if !errors.As(err, &oe) {
		t.Errorf("wrong origin: err = %v, want *OriginError", err)
	}
	// Staging v2 with three unknown witnesses; requiring one fails.
	alpha3 := realWorldLogKey(t, dir, "log2025-alpha3.rekor.sigstage.dev")
	vc, err = VerifyCheckpoint(read("extracted_staging-v2_log2025-alpha3_4026479.txt"), []NoteKey{alpha3}, CheckpointOptions{})
	if err != nil || vc.Note.Count(SigUnknownKey, 0) != 3 {
		t.Errorf("alpha3: err %v, unknown lines %d, want nil, 3", err, vc.Note.Count(SigUnknownKey, 0))
	}
	var qe *QuorumError
	if _, err := VerifyCheckpoint(read("extracted_staging-v2_log2025-alpha3_4026479.txt"), []NoteKey{alpha3}, CheckpointOptions{MinWitnesses: 1}); !errors.As(err, &qe) {
		t.Errorf("alpha3 with a witness quorum of 1: err = %v, want *QuorumError", err)
	}
	// A prod note checked with the staging key: unknown key.
	staging := realWorldLogKey(t, dir, "rekor.sigstage.dev")
	var unk *UnknownKeyError
	if _, err := VerifyCheckpoint(read("extracted_prod_2605736670972794746_55510966.txt"), []NoteKey{staging}, CheckpointOptions{}); !errors.As(err, &unk) {
		t.Errorf("prod note with staging key: err = %v, want *UnknownKeyError", err)
	}
	// The explained result carries every signature line as evidence.
	_, res := CheckpointResult(read("sigstore-java_valid_multi_sig.txt"), []NoteKey{prod}, CheckpointOptions{})
	if res.Verdict().String() != "verified" || len(res.Steps) < 3 || len(res.Steps[2].Evidence) != 2 {
		t.Errorf("CheckpointResult = %s %+v", res.Verdict(), res.Steps)
	}
}

func TestRealWorldSumDB(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "sumdb")
	vkey, err := os.ReadFile(filepath.Join(dir, "sum.golang.org.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseNoteKey(string(vkey))
	if err != nil {
		t.Fatal(err)
	}
	// Headline fact 1: the widely quoted wrong variant is rejected.
	if _, err := ParseNoteKey("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ntb3/YlWSfuQ5yyQ"); err == nil {
		t.Error("ParseNoteKey(wrong sum.golang.org variant) = nil error, want key-hash mismatch")
	}
	var index struct {
		SumDB []struct {
			File    string     `json:"file"`
			Expect  string     `json:"expect"`
			Checked [][]string `json:"checked"`
		} `json:"sumdb"`
	}
	readJSON(t, filepath.Join(testenv.RealWorld(t), "INDEX.json"), &index)
	counts := map[string]int{}
	ok := 0
	for _, c := range index.SumDB {
		msg, err := os.ReadFile(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(c.File, "lookup_") {
			// "<record id>\n<go.sum lines>\n\n<signed note>"
			_, note, found := bytes.Cut(msg, []byte("\n\n"))
			if !found {
				t.Fatalf("%s: no blank line after the record", c.File)
			}
			msg = note
		}
		vc, err := VerifyCheckpoint(msg, []NoteKey{key}, CheckpointOptions{Origin: "go.sum database tree"})
		counts[checkpointOutcome(err)]++
		wantValid := strings.HasPrefix(c.Expect, "valid")
		if (err == nil) != wantValid {
			t.Errorf("%s: err = %v, want valid=%v (%s)", c.File, err, wantValid, c.Expect)
			continue
		}
		if err == nil && vc.Note.Count(SigUnknownKey, 0) != len(c.Checked)-1 {
			t.Errorf("%s: %d unknown lines, want %d", c.File, vc.Note.Count(SigUnknownKey, 0), len(c.Checked)-1)
			continue
		}
		ok++
	}
	if ok != len(index.SumDB) {
		t.Errorf("sumdb notes: %d/%d as expected", ok, len(index.SumDB))
	}
	if want := map[string]int{"verified": 9, "bad signature": 1}; !reflect.DeepEqual(counts, want) {
		t.Errorf("sumdb outcomes %v, want %v (update the package doc)", counts, want)
	}
	t.Logf("sumdb notes: %d/%d as expected; outcomes %v", ok, len(index.SumDB), counts)
}

func TestRealWorldGoModNoteVectors(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "sumdb")
	var v struct {
		Keys map[string]struct {
			VKey string `json:"vkey"`
		} `json:"keys"`
		BadVKeys []string `json:"bad_vkeys"`
		Open     []struct {
			Desc      string   `json:"desc"`
			Note      string   `json:"note"`
			Verifiers []string `json:"verifiers"`
			Want      string   `json:"want"`
		} `json:"open_cases"`
		Tree struct {
			Golden string   `json:"golden"`
			Bad    []string `json:"bad"`
		} `json:"tree_note"`
	}
	readJSON(t, filepath.Join(dir, "golang-mod_note_vectors.json"), &v)
	badKeys := 0
	for _, bad := range v.BadVKeys {
		k, _, _ := strings.Cut(bad, " ")
		if strings.Contains(k, "+") {
			if _, err := ParseNoteKey(k); err == nil {
				t.Errorf("ParseNoteKey(%q) = nil error, want error", k)
			}
			badKeys++
		}
	}
	peter := v.Keys["PeterNeumann"].VKey
	if peter == "" {
		t.Fatal("golang/mod note vectors: no PeterNeumann key")
	}
	for i := 0; i < len(peter); i++ { // every truncation must be rejected
		if _, err := ParseNoteKey(peter[:i]); err == nil {
			t.Errorf("ParseNoteKey(truncated to %d) = nil error", i)
		}
	}
	// The third bad_vkeys entry is a rule, not a key: any single-byte
	// mutation of the PeterNeumann vkey must be rejected too.
	for i := 0; i < len(peter); i++ {
		for _, c := range []byte{'Z', '+', '0', '/'} { // no hex letter: "A" for "a" is the same key hash
			if peter[i] == c {
				continue
			}
			m := peter[:i] + string(c) + peter[i+1:]
			if _, err := ParseNoteKey(m); err == nil {
				t.Errorf("ParseNoteKey(%q, byte %d mutated) = nil error", m, i)
			}
		}
	}
	opened := 0
	for _, c := range v.Open {
		opened++
		var keys []NoteKey
		for _, vk := range c.Verifiers {
			k, err := ParseNoteKey(vk)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		n, err := OpenNote([]byte(c.Note), keys)
		var me *MalformedError
		switch {
		case strings.Contains(c.Want, "malformed"):
			if !errors.As(err, &me) {
				t.Errorf("%s: err = %v, want *MalformedError", c.Desc, err)
			}
		case err != nil:
			t.Errorf("%s: OpenNote = %v, want outcomes", c.Desc, err)
		case strings.HasPrefix(c.Want, "ok: 2 verified"):
			if n.Count(SigVerified, 0) != 2 {
				t.Errorf("%s: %d verified, want 2", c.Desc, n.Count(SigVerified, 0))
			}
		case strings.HasPrefix(c.Want, "ok: 1 verified"):
			if n.Count(SigVerified, 0) != 1 || n.Count(SigUnknownKey, 0) != 1 {
				t.Errorf("%s: outcomes %+v", c.Desc, n.Signatures)
			}
		case strings.Contains(c.Want, "no verifiable signatures"):
			if n.Count(SigVerified, 0) != 0 || n.Count(SigUnknownKey, 0) == 0 {
				t.Errorf("%s: outcomes %+v", c.Desc, n.Signatures)
			}
		case strings.Contains(c.Want, "invalid signature"):
			if n.Count(SigBad, 0) != 1 {
				t.Errorf("%s: outcomes %+v", c.Desc, n.Signatures)
			}
		default:
			t.Errorf("%s: unhandled expectation %q", c.Desc, c.Want)
		}
	}
	if c, err := ParseCheckpoint([]byte(v.Tree.Golden)); err != nil || c.Size != 123456789012 || !bytes.Equal(c.RootHash, LeafHash([]byte("hello world"))) {
		t.Errorf("ParseCheckpoint(tree golden) = %+v, %v", c, err)
	}
	badTrees := 0
	for _, bad := range v.Tree.Bad {
		if !strings.HasPrefix(bad, "go.sum database tree\n") {
			continue // described, not literal
		}
		if _, err := ParseCheckpoint([]byte(bad)); err == nil {
			t.Errorf("ParseCheckpoint(%q) = nil error", bad)
		}
		badTrees++
	}
	// The package doc claims 11 Open cases; the two literal bad keys and
	// the two literal bad tree notes are the rest of the file.
	if opened != 11 || badKeys != 2 || badTrees != 2 {
		t.Errorf("golang/mod note vectors: %d open cases, %d bad keys, %d bad tree notes checked; want 11, 2, 2", opened, badKeys, badTrees)
	}
}

func readPEMKey(t *testing.T, path string) crypto.PublicKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pub
}

func readEntries(t *testing.T, path string) []model.LogEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	es, err := ParseEntryResponse(b)
	if err != nil {
		t.Fatalf("ParseEntryResponse(%s) = %v", path, err)
	}
	return es
}

func stepStatus(r *model.Result, name string) model.Status {
	for _, s := range r.Steps {
		if s.Name == name {
			return s.Status
		}
	}
	return model.StatusPending
}

func TestRealWorldRekorV1Entries(t *testing.T) {
	dir := testenv.RealWorld(t)
	prod := readPEMKey(t, filepath.Join(dir, "trust/production_rekor.sigstore.dev.pem"))
	staging := readPEMKey(t, filepath.Join(dir, "sigstore-java/rekor-response/valid/rekor.pub"))
	tests := []struct {
		file        string
		key         crypto.PublicKey
		opts        EntryOptions
		wantVerdict model.Verdict
		wantGlobal  int64
		wantLocal   int64
	}{
		{"rekor-v1-api/docker-attest_logIndex59674396.json", prod, EntryOptions{}, model.VerdictVerified, 59674396, 55510965},
		{"sigstore-java/rekor-response/valid/entry.json", staging, EntryOptions{}, model.VerdictVerified, 1688, 1227},
		{"sigstore-java/rekor-response/valid/jar-entry.json", prod, EntryOptions{}, model.VerdictVerified, 3120029, 3120029},
		// Policy: no inclusion proof fails unless SET-only is allowed.
		{"sigstore-java/rekor-response/valid/entry-no-inclusion-proof.json", staging, EntryOptions{}, model.VerdictFailed, 79, -1},
		{"sigstore-java/rekor-response/valid/entry-no-inclusion-proof.json", staging, EntryOptions{AllowSETOnly: true}, model.VerdictVerified, 79, -1},
		// The right entry with the wrong log's key: log ID, SET and checkpoint fail.
		{"sigstore-java/rekor-response/valid/entry.json", prod, EntryOptions{}, model.VerdictFailed, 1688, 1227},
	}
	verified := 0
	for _, tc := range tests {
		es := readEntries(t, filepath.Join(dir, tc.file))
		if len(es) != 1 {
			t.Fatalf("%s: %d entries, want 1", tc.file, len(es))
		}
		e := es[0]
		rep := ExplainEntry(e, LogKeys{Public: tc.key}, tc.opts)
		if got := rep.Result.Verdict(); got != tc.wantVerdict {
			t.Errorf("VerifyEntry(%s) = %s (%s), want %s\n%+v", tc.file, got, rep.Result.Reason(), tc.wantVerdict, rep.Result.Steps)
			continue
		}
		if e.LogIndex != tc.wantGlobal || (tc.wantLocal >= 0 && e.Proof.LogIndex != tc.wantLocal) {
			t.Errorf("%s: indices global %d, local %v; want %d, %d", tc.file, e.LogIndex, e.Proof, tc.wantGlobal, tc.wantLocal)
		}
		if tc.wantVerdict == model.VerdictVerified {
			verified++
			if e.Proof != nil && (rep.Inclusion == nil || !rep.Inclusion.Matches() || len(rep.Inclusion.Steps) != len(e.Proof.Hashes)) {
				t.Errorf("%s: inclusion trace %+v", tc.file, rep.Inclusion)
			}
		}
	}
	// docker-attest prod, sigstore-java staging + jar, and the SET-only
	// policy case: the package doc's "3 verified + SET-only policy case".
	if verified != 4 {
		t.Errorf("rekor v1 entries: %d verified as expected, want 4", verified)
	}
}

// TestRealWorldEntryMutations: every mutation of the docker-attest entry
// fails the step it should.
func TestRealWorldEntryMutations(t *testing.T) {
	dir := testenv.RealWorld(t)
	prod := readPEMKey(t, filepath.Join(dir, "trust/production_rekor.sigstore.dev.pem"))
	orig := readEntries(t, filepath.Join(dir, "rekor-v1-api/docker-attest_logIndex59674396.json"))[0]
	clone := func() model.LogEntry {
		e := orig
		e.Body = bytes.Clone(orig.Body)
		e.SET = bytes.Clone(orig.SET)
		p := *orig.Proof
		p.Hashes = cloneHashes(orig.Proof.Hashes)
		p.RootHash = bytes.Clone(orig.Proof.RootHash)
		e.Proof = &p
		return e
	}
	tests := []struct {
		name     string
		mutate   func(*model.LogEntry)
		failStep string
	}{
		{"body bit flip", func(e *model.LogEntry) { e.Body[10] ^= 1 }, StepInclusionProof},
		{"body bit flip breaks SET", func(e *model.LogEntry) { e.Body[10] ^= 1 }, StepSET},
		{"global index used for proof", func(e *model.LogEntry) { e.Proof.LogIndex = e.LogIndex }, StepInclusionProof},
		{"shard index used for SET", func(e *model.LogEntry) { e.LogIndex = e.Proof.LogIndex }, StepSET},
		{"integrated time +1", func(e *model.LogEntry) { e.IntegratedTime = e.IntegratedTime.Add(time.Second) }, StepSET},
		{"SET bit flip", func(e *model.LogEntry) { e.SET[len(e.SET)-3] ^= 0x10 }, StepSET},
		{"proof hash bit flip", func(e *model.LogEntry) { e.Proof.Hashes[3][7] ^= 0x40 }, StepInclusionProof},
		{"proof truncated", func(e *model.LogEntry) { e.Proof.Hashes = e.Proof.Hashes[:len(e.Proof.Hashes)-1] }, StepInclusionProof},
		{"root hash changed", func(e *model.LogEntry) { e.Proof.RootHash[0] ^= 1 }, StepInclusionProof},
		{"root hash changed breaks checkpoint match", func(e *model.LogEntry) { e.Proof.RootHash[0] ^= 1 }, StepCheckpointMatch},
		{"checkpoint body changed", func(e *model.LogEntry) {
			e.Proof.Checkpoint = strings.Replace(e.Proof.Checkpoint, "55510966", "55510967", 1)
		}, StepCheckpoint},
		{"checkpoint signature removed", func(e *model.LogEntry) {
			e.Proof.Checkpoint = e.Proof.Checkpoint[:strings.Index(e.Proof.Checkpoint, "\n\n")+2]
		}, StepCheckpoint},
		{"UUID of another entry", func(e *model.LogEntry) { e.UUID = strings.Repeat("ab", 32) }, StepLeafHash},
		{"log ID of another log", func(e *model.LogEntry) { e.LogID = strings.Repeat("0", 64) }, StepLogID},
		{"integrated time in the future", func(e *model.LogEntry) { e.IntegratedTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }, StepIntegratedTime},
	}
	if len(tests) != 15 {
		t.Errorf("%d entry mutations, want the 15 the package doc claims", len(tests))
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	if r := VerifyEntry(clone(), LogKeys{Public: prod}, EntryOptions{Now: now}); r.Verdict() != model.VerdictVerified {
		t.Fatalf("unmutated entry: %s", r.Reason())
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := clone()
			tc.mutate(&e)
			r := VerifyEntry(e, LogKeys{Public: prod}, EntryOptions{Now: now})
			if r.Verdict() != model.VerdictFailed || stepStatus(r, tc.failStep) != model.StatusFail {
				t.Errorf("verdict %s, step %s = %s, want failed/fail (%s)", r.Verdict(), tc.failStep, stepStatus(r, tc.failStep), r.Reason())
			}
		})
	}
}

func TestRealWorldSigstoreJSInclusion(t *testing.T) {
	dir := testenv.RealWorld(t)
	var v struct {
		Body  []byte `json:"canonicalizedBody"`
		Proof struct {
			LogIndex uint64   `json:"logIndex"`
			TreeSize uint64   `json:"treeSize"`
			RootHash string   `json:"rootHash"`
			Hashes   []string `json:"hashes"`
		} `json:"inclusionProof"`
	}
	readJSON(t, filepath.Join(dir, "rekor-v1-api/sigstore-js_merkle-test_logIndex25591465_inclusion.json"), &v)
	var hashes [][]byte
	for _, h := range v.Proof.Hashes {
		hashes = append(hashes, mustHex(t, h))
	}
	root := mustHex(t, v.Proof.RootHash)
	tr, err := TraceInclusion(v.Proof.LogIndex, v.Proof.TreeSize, LeafHash(v.Body), hashes, root)
	if err != nil || len(tr.Steps) != 21 {
		t.Fatalf("TraceInclusion = %v (%d steps), want nil, 21", err, len(tr.Steps))
	}
	if _, err := TraceInclusion(v.Proof.LogIndex, v.Proof.TreeSize, LeafHash([]byte("invalid")), hashes, root); err == nil {
		t.Error("body 'invalid': nil error, want root mismatch")
	}
	if _, err := TraceInclusion(100, 99, LeafHash(v.Body), hashes, root); err == nil {
		t.Error("index 100 >= size 99: nil error")
	}
	foo := LeafHash([]byte("foo"))
	if _, err := TraceInclusion(0, 1, foo, nil, foo); err != nil {
		t.Errorf("tree of size 1: %v", err)
	}
	if _, err := TraceInclusion(v.Proof.LogIndex, v.Proof.TreeSize, LeafHash(v.Body), hashes[:1], root); err == nil {
		t.Error("truncated hashes: nil error")
	}
}

func TestRealWorldStagingConsistency(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "rekor-v1-api", "consistency")
	pub := readPEMKey(t, filepath.Join(dir, "rekor.sigstage.dev.pub"))
	key, err := NewLogKey("rekor.sigstage.dev", pub)
	if err != nil {
		t.Fatal(err)
	}
	type shard struct {
		RootHash       string `json:"rootHash"`
		SignedTreeHead string `json:"signedTreeHead"`
		TreeSize       uint64 `json:"treeSize"`
	}
	type logInfo struct {
		shard
		Inactive []shard `json:"inactiveShards"`
	}
	var oldInfo, newInfo logInfo
	readJSON(t, filepath.Join(dir, "staging_loginfo_old_treeSize1352760.json"), &oldInfo)
	readJSON(t, filepath.Join(dir, "staging_loginfo_new_treeSize1352764.json"), &newInfo)
	var resp struct {
		Hashes   []string `json:"hashes"`
		RootHash string   `json:"rootHash"`
	}
	readJSON(t, filepath.Join(dir, "staging_proof_1352760_to_1352764.json"), &resp)
	var hashes [][]byte
	for _, h := range resp.Hashes {
		hashes = append(hashes, mustHex(t, h))
	}
	// All 8 signed tree heads verify, and their roots are the responses' rootHash.
	sths := 0
	for _, info := range []logInfo{oldInfo, newInfo} {
		for _, s := range append([]shard{info.shard}, info.Inactive...) {
			vc, err := VerifyCheckpoint([]byte(s.SignedTreeHead), []NoteKey{key}, CheckpointOptions{})
			if err != nil {
				t.Fatalf("signed tree head of size %d: %v", s.TreeSize, err)
			}
			if hex.EncodeToString(vc.RootHash) != s.RootHash || vc.Size != s.TreeSize {
				t.Errorf("signed tree head %d/%x disagrees with response %d/%s", vc.Size, vc.RootHash, s.TreeSize, s.RootHash)
			}
			sths++
		}
	}
	if sths != 8 {
		t.Errorf("%d signed tree heads, want 8", sths)
	}
	oldCP, err := VerifyCheckpoint([]byte(oldInfo.SignedTreeHead), []NoteKey{key}, CheckpointOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newCP, err := VerifyCheckpoint([]byte(newInfo.SignedTreeHead), []NoteKey{key}, CheckpointOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := VerifyCheckpointConsistency(oldCP, newCP, hashes)
	if err != nil {
		t.Fatalf("VerifyCheckpointConsistency(1352760 → 1352764) = %v", err)
	}
	t.Logf("staging consistency 1352760 → 1352764: %d+%d hash steps, %d reused old-tree nodes", len(tr.Steps1), len(tr.Steps2), len(tr.Reused))

	// Mutations (sigstore-rs test_consistency_invalid and more) must fail
	// with *InconsistentError carrying the evidence.
	reversed := cloneHashes(hashes)
	for _, h := range reversed {
		for i, j := 0, len(h)-1; i < j; i, j = i+1, j-1 {
			h[i], h[j] = h[j], h[i]
		}
	}
	respRoot := *newCP
	respRoot.RootHash = mustHex(t, resp.RootHash)
	mutations := []struct {
		name     string
		old, new *VerifiedCheckpoint
		proof    [][]byte
	}{
		{"empty proof", oldCP, newCP, nil},
		{"extra hash", oldCP, newCP, append(cloneHashes(hashes), hashes[len(hashes)-1])},
		{"last hash removed", oldCP, newCP, hashes[:len(hashes)-1]},
		{"every hash byte-reversed", oldCP, newCP, reversed},
		{"root2 from the proof response", oldCP, &respRoot, hashes},
		{"swapped checkpoints", newCP, oldCP, hashes},
	}
	for i := range hashes {
		for _, bit := range []int{0, 7} {
			m := cloneHashes(hashes)
			m[i][i%hashSize] ^= 1 << bit
			mutations = append(mutations, struct {
				name     string
				old, new *VerifiedCheckpoint
				proof    [][]byte
			}{fmt.Sprintf("hash %d bit %d flipped", i, bit), oldCP, newCP, m})
		}
	}
	for _, m := range mutations {
		_, err := VerifyCheckpointConsistency(m.old, m.new, m.proof)
		var ie *InconsistentError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want *InconsistentError", m.name, err)
			continue
		}
		if ie.OldNote == "" || ie.NewNote == "" || ie.Old.Size != m.old.Size {
			t.Errorf("%s: evidence missing from %+v", m.name, ie)
		}
	}
	if len(mutations) != 24 {
		t.Errorf("staging consistency: %d mutations, want 24 (the package doc's count)", len(mutations))
	}
}
