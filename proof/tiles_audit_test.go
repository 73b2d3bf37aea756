package proof

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/model"
)

func auditLeaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("entry %d", i))
	}
	return out
}

// naiveRoot is RFC 6962's MTH, written out recursively.
func naiveRoot(hashes [][]byte) []byte {
	if len(hashes) == 1 {
		return hashes[0]
	}
	k := 1
	for k*2 < len(hashes) {
		k *= 2
	}
	return NodeHash(naiveRoot(hashes[:k]), naiveRoot(hashes[k:]))
}

func TestBundleLeafHashes(t *testing.T) {
	es := auditLeaves(5)
	hs, err := BundleLeafHashes(2, 5, es)
	if err != nil || len(hs) != 5 || !bytes.Equal(hs[3], rfc6962.DefaultHasher.HashLeaf(es[3])) {
		t.Fatalf("BundleLeafHashes = %d hashes, %v", len(hs), err)
	}
	for _, n := range []int{4, 6} {
		_, err := BundleLeafHashes(2, 5, auditLeaves(n))
		var tl *TileLieError
		if !errors.As(err, &tl) || tl.Kind != BundleWrongCount || tl.Range != (EntryRange{512, 516}) {
			t.Errorf("BundleLeafHashes(%d entries, want 5) = %v, want BundleWrongCount for entries 512..516", n, err)
		}
	}
}

func TestTileRoot(t *testing.T) {
	var hs [][]byte
	for _, e := range auditLeaves(256) {
		hs = append(hs, LeafHash(e))
	}
	if got, want := TileRoot(hs), naiveRoot(hs); !bytes.Equal(got, want) {
		t.Errorf("TileRoot = %x, want %x", got, want)
	}
}

func TestCheckTile(t *testing.T) {
	var hs [][]byte
	for _, e := range auditLeaves(10) {
		hs = append(hs, LeafHash(e))
	}
	served := bytes.Join(hs, nil)
	flip := func(i int) []byte { b := bytes.Clone(served); b[i*32+7] ^= 1; return b }
	tests := []struct {
		name         string
		level, index uint64
		served       []byte
		wantRange    *EntryRange
	}{
		{"equal", 0, 0, served, nil},
		{"longer served", 0, 0, append(bytes.Clone(served), make([]byte, 32)...), nil},
		{"flip level 0", 0, 3, flip(4), &EntryRange{3*256 + 4, 3*256 + 4}},
		{"flip level 1", 1, 0, flip(2), &EntryRange{512, 767}},
		{"flip level 2", 2, 1, flip(0), &EntryRange{256 * 65536, 257*65536 - 1}},
		{"short", 0, 0, served[:9*32], &EntryRange{0, 9}},
		{"ragged", 0, 0, append(bytes.Clone(served), 1), &EntryRange{0, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTile(tc.level, tc.index, tc.served, hs)
			var tl *TileLieError
			switch {
			case tc.wantRange == nil && err != nil:
				t.Errorf("CheckTile = %v, want nil", err)
			case tc.wantRange != nil && (!errors.As(err, &tl) || tl.Kind != TileMismatch || tl.Range != *tc.wantRange):
				t.Errorf("CheckTile = %v, want TileMismatch for %s", err, tc.wantRange)
			}
		})
	}
}

func TestVerifyMirroredPrefix(t *testing.T) {
	tree := testonly.New(rfc6962.DefaultHasher)
	var hs [][]byte
	for _, e := range auditLeaves(300) {
		tree.AppendData(e)
		hs = append(hs, LeafHash(e))
	}
	cp := &VerifiedCheckpoint{Checkpoint: model.Checkpoint{Origin: "o", Size: 300, RootHash: tree.Hash()}}
	pf, err := tree.ConsistencyProof(256, 300)
	if err != nil {
		t.Fatal(err)
	}
	root256 := naiveRoot(hs[:256])
	if err := VerifyMirroredPrefix(0, 256, root256, cp, pf); err != nil {
		t.Errorf("VerifyMirroredPrefix(256 of 300) = %v", err)
	}
	if err := VerifyMirroredPrefix(256, 300, tree.Hash(), cp, nil); err != nil {
		t.Errorf("VerifyMirroredPrefix(300 of 300) = %v", err)
	}
	// Two entries swapped: the prefix root differs.
	swapped := append([][]byte{hs[1], hs[0]}, hs[2:256]...)
	var tl *TileLieError
	if err := VerifyMirroredPrefix(0, 256, naiveRoot(swapped), cp, pf); !errors.As(err, &tl) || tl.Kind != PrefixInconsistent || tl.Range != (EntryRange{0, 255}) {
		t.Errorf("VerifyMirroredPrefix(swapped) = %v, want PrefixInconsistent for entries 0..255", err)
	}
	if err := VerifyMirroredPrefix(256, 300, root256, cp, nil); !errors.As(err, &tl) || tl.Kind != RootMismatch || tl.Range != (EntryRange{256, 299}) {
		t.Errorf("VerifyMirroredPrefix(wrong root) = %v, want RootMismatch for entries 256..299", err)
	}
	if err := VerifyMirroredPrefix(0, 301, root256, cp, nil); !errors.As(err, &tl) || tl.Kind != PrefixInconsistent {
		t.Errorf("VerifyMirroredPrefix(beyond the checkpoint) = %v, want PrefixInconsistent", err)
	}
}

func TestVerifyNextCheckpoint(t *testing.T) {
	tree := testonly.New(rfc6962.DefaultHasher)
	for _, e := range auditLeaves(20) {
		tree.AppendData(e)
	}
	at := func(n uint64) *VerifiedCheckpoint {
		r := tree.HashAt(n)
		return &VerifiedCheckpoint{Checkpoint: model.Checkpoint{Origin: "o", Size: n, RootHash: r}}
	}
	pf, _ := tree.ConsistencyProof(10, 20)
	if err := VerifyNextCheckpoint(at(10), at(20), pf); err != nil {
		t.Errorf("VerifyNextCheckpoint(10→20) = %v", err)
	}
	forked := at(10)
	forked.RootHash = bytes.Repeat([]byte{1}, 32)
	tests := []struct {
		name      string
		kept, new *VerifiedCheckpoint
		proof     [][]byte
		want      InconsistencyKind
	}{
		{"rollback", at(20), at(10), nil, Rollback},
		{"fork", at(10), forked, nil, Fork},
		{"bad proof", forked, at(20), pf, Inconsistent},
	}
	for _, tc := range tests {
		var ie *InconsistentError
		if err := VerifyNextCheckpoint(tc.kept, tc.new, tc.proof); !errors.As(err, &ie) || ie.Kind != tc.want {
			t.Errorf("%s: VerifyNextCheckpoint = %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestCompactFromEdgeTiles(t *testing.T) {
	for _, size := range []int{1, 5, 255, 256, 257, 300, 65536 + 513} {
		tree := testonly.New(rfc6962.DefaultHasher)
		var hs [][]byte
		for _, e := range auditLeaves(size) {
			tree.AppendData(e)
			hs = append(hs, LeafHash(e))
		}
		// Each level's right-edge tile, computed the slow way.
		var edges [][][]byte
		level := hs
		for len(level) > 0 {
			full := len(level) / 256 * 256
			edges = append(edges, level[full:])
			var up [][]byte
			for i := 0; i+256 <= full; i += 256 {
				up = append(up, TileRoot(level[i:i+256]))
			}
			level = up
		}
		got, err := CompactFromEdgeTiles(uint64(size), edges, tree.Hash())
		if err != nil || len(got) == 0 {
			t.Fatalf("size %d: CompactFromEdgeTiles = %d hashes, %v", size, len(got), err)
		}
		if size%256 == 0 {
			continue
		}
		bad := make([][][]byte, len(edges))
		copy(bad, edges)
		bad[0] = append([][]byte{bytes.Repeat([]byte{7}, 32)}, edges[0][1:]...)
		var tl *TileLieError
		if _, err := CompactFromEdgeTiles(uint64(size), bad, tree.Hash()); !errors.As(err, &tl) || tl.Kind != RootMismatch {
			t.Errorf("size %d: CompactFromEdgeTiles(changed edge hash) = %v, want RootMismatch", size, err)
		}
	}
}
