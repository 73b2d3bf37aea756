package proof

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
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
	t.Logf("merkle vectors: %d/%d passed %v", passed, total, counts)
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
	t.Logf("reference tree: %d node hashes and proofs checked", checked)
}

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
		if hex.EncodeToString(got) != c.WantHex {
			t.Errorf("%s: got %x, want %s", c.Desc, got, c.WantHex)
		}
	}
	t.Logf("rfc6962 hasher vectors: %d checked", len(v.Vectors))
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
