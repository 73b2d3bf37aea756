package proof_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

func ExampleLeafHash() {
	fmt.Printf("%x\n", proof.LeafHash([]byte("L123456")))
	// Output: 395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56
}

// A tree of three leaves a, b, c: root = H(H(a, b), c). The proof for c is
// the hash of (a, b); c's parent is an ephemeral node standing for (1,1).
func ExampleTraceInclusion() {
	a, b, c := proof.LeafHash([]byte("a")), proof.LeafHash([]byte("b")), proof.LeafHash([]byte("c"))
	ab := proof.NodeHash(a, b)
	root := proof.NodeHash(ab, c)

	tr, err := proof.TraceInclusion(2, 3, c, [][]byte{ab}, root)
	fmt.Println("verdict:", err)
	for _, s := range tr.Steps {
		fmt.Printf("node %v ephemeral=%v proof[%d] on left=%v\n", s.Node, s.Ephemeral, s.ProofIndex, s.SiblingOnLeft)
	}
	fmt.Println("root matches:", tr.Matches())

	_, err = proof.TraceInclusion(2, 3, a, [][]byte{ab}, root)
	fmt.Println("wrong leaf:", err != nil)
	// Output:
	// verdict: <nil>
	// node (2,0) ephemeral=true proof[0] on left=true
	// root matches: true
	// wrong leaf: true
}

// Tree of 2 leaves grows to 3: the old root (a, b) is reused as the seed;
// the proof is just c.
func ExampleTraceConsistency() {
	a, b, c := proof.LeafHash([]byte("a")), proof.LeafHash([]byte("b")), proof.LeafHash([]byte("c"))
	root2 := proof.NodeHash(a, b)
	root3 := proof.NodeHash(root2, c)

	tr, err := proof.TraceConsistency(2, 3, [][]byte{c}, root2, root3)
	fmt.Println("verdict:", err)
	fmt.Println("reused old nodes:", tr.Reused)
	for _, s := range tr.Steps2 {
		fmt.Printf("new tree: node %v = H(%s…, %s…)\n", s.Node, hex.EncodeToString(s.Left)[:8], hex.EncodeToString(s.Right)[:8])
	}
	_, err = proof.TraceConsistency(2, 3, [][]byte{c}, root3, root2)
	fmt.Println("swapped roots:", err)
	// Output:
	// verdict: <nil>
	// reused old nodes: [(1,0)]
	// new tree: node (2,0) = H(b137985f…, 597fcb31…)
	// swapped roots: computed new root 1dab5657939d0a423fedb25ea25c73d71cff4b3fb892800905ff63e4303009da does not match expected b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb
}

func ExampleVerifyCheckpoint() {
	// A log's Ed25519 key (fixed seed, so the signature is reproducible).
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	vkey, _ := note.NewEd25519VerifierKey("example.com/log", priv.Public().(ed25519.PublicKey))
	key, _ := proof.ParseNoteKey(vkey)

	body := proof.MarshalCheckpoint(model.Checkpoint{Origin: "example.com/log", Size: 3, RootHash: make([]byte, 32)})
	signer, _ := note.NewSigner(skeyFromSeed("example.com/log", priv))
	msg, _ := note.Sign(&note.Note{Text: string(body)}, signer)

	cp, err := proof.VerifyCheckpoint(msg, []proof.NoteKey{key}, proof.CheckpointOptions{Origin: "example.com/log"})
	fmt.Println("verdict:", err)
	fmt.Println("origin:", cp.Origin, "size:", cp.Size)
	for _, s := range cp.Note.Signatures {
		fmt.Println(s.Name, s.Status)
	}

	tampered := []byte(string(msg[:len("example.com/log\n")]) + "4" + string(msg[len("example.com/log\n3"):]))
	_, err = proof.VerifyCheckpoint(tampered, []proof.NoteKey{key}, proof.CheckpointOptions{})
	fmt.Println("tampered:", err)
	// Output:
	// verdict: <nil>
	// origin: example.com/log size: 3
	// example.com/log verified
	// tampered: checkpoint signature by example.com/log+1dde4531 does not verify
}

// skeyFromSeed encodes an Ed25519 key as a golang.org/x/mod/sumdb/note
// signer key: PRIVATE+KEY+name+hash+base64(0x01 || seed).
func skeyFromSeed(name string, priv ed25519.PrivateKey) string {
	vkey, _ := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	k, _ := proof.ParseNoteKey(vkey)
	return fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, k.Hash, base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...)))
}
