package proof

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/provscope/provscope/model"
)

// LogNote says how one log's signed checkpoints are verified: with which
// key, under which signer names, bound to which origin.
type LogNote struct {
	// KeyPEM is the log's PEM public key.
	KeyPEM []byte
	// Origin is the configured origin ("" when none): a tiles log's
	// checkpoints must name it exactly, and it is always a name the key is
	// tried under.
	Origin string
	// RekorV1 says the log is a Rekor v1 log: its origins are
	// "<host> - <treeID>", and Host, when known, is the host they must name.
	RekorV1 bool
	Host    string
}

// Keys builds the note verifier keys for the log key and a signed note:
// one per signer name on the note's signature lines, and the configured
// origin. For ECDSA (Rekor v1) the key hash does not commit to the name,
// so the name the log signs with (its host name) is taken from the note;
// for Ed25519 the hash commits to the name, so only the right name can
// match.
func (n LogNote) Keys(note string) ([]NoteKey, error) {
	pub, err := ParsePublicKeyPEM(n.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("parsing log key: %w", err)
	}
	names := map[string]bool{}
	if n.Origin != "" {
		names[n.Origin] = true
	}
	for _, line := range strings.Split(note, "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			continue
		}
		if name, _, ok := strings.Cut(rest, " "); ok && name != "" {
			names[name] = true
		}
	}
	var keys []NoteKey
	for name := range names {
		k, err := NewLogKey(name, pub)
		if err != nil {
			continue // a name the key cannot carry (spaces, '+'): no match
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no signature line in the note names a signer")
	}
	return keys, nil
}

// Verify verifies a signed checkpoint note with the log's key
// (VerifyCheckpoint) and returns its body. The origin is bound when the
// log's is known: a tiles log's configured Origin must match; a Rekor v1
// log's origin "<host> - <treeID>" must name Host.
func (n LogNote) Verify(note string) (*model.Checkpoint, error) {
	keys, err := n.Keys(note)
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	var opts CheckpointOptions
	if !n.RekorV1 {
		opts.Origin = n.Origin
	}
	vc, err := VerifyCheckpoint([]byte(note), keys, opts)
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	if n.RekorV1 && n.Host != "" {
		if host, _, ok := RekorV1Origin(vc.Origin); !ok || host != n.Host {
			return nil, fmt.Errorf("verifying checkpoint: %w", &OriginError{Got: vc.Origin, Want: n.Host + " - <treeID>"})
		}
	}
	cp := vc.Checkpoint
	return &cp, nil
}

// TiledEntryReport is what VerifyTiledEntry found.
type TiledEntryReport struct {
	Result *model.Result
	// LeafHash is the RFC 6962 leaf hash of the body.
	LeafHash []byte
	// Inclusion explains the inclusion proof (nil without a usable one).
	Inclusion *InclusionTrace
	// Checkpoint is the verified checkpoint the proof leads to.
	Checkpoint *model.Checkpoint
}

// VerifyTiledEntry verifies an entry of a tiles log (Rekor v2), offline:
// leaf hash against the entry ID, inclusion proof (computed from tiles) and
// the checkpoint it leads to, verified with log. There is no SET: trust
// rests on the signed checkpoint.
func VerifyTiledEntry(e model.LogEntry, log LogNote) *TiledEntryReport {
	c := &TiledEntryReport{Result: &model.Result{Subject: fmt.Sprintf("entry %d", e.LogIndex)}}
	r := c.Result
	leaf := LeafHash(e.Body)
	c.LeafHash = leaf
	if e.UUID != "" && !strings.HasSuffix(strings.ToLower(e.UUID), hex.EncodeToString(leaf)) {
		r.Fail(StepLeafHash, "Leaf hash", fmt.Errorf("leaf hash %x of the body is not the entry ID's", leaf))
	} else {
		r.Pass(StepLeafHash, "Leaf hash", "SHA-256(0x00 || body)", model.Evidence{Label: "leaf hash", Value: hex.EncodeToString(leaf)})
	}
	r.Skip(StepSET, "Signed entry timestamp", "tiles logs (Rekor v2) issue no SET: the signed checkpoint carries the trust")
	p := e.Proof
	if p == nil || p.LogIndex < 0 || p.TreeSize < 0 {
		r.Fail(StepInclusionProof, "Inclusion proof", errors.New("no usable inclusion proof"))
		return c
	}
	tr, err := TraceInclusion(uint64(p.LogIndex), uint64(p.TreeSize), leaf, p.Hashes, p.RootHash)
	c.Inclusion = tr
	if err != nil {
		r.Fail(StepInclusionProof, "Inclusion proof", err)
	} else {
		r.Pass(StepInclusionProof, "Inclusion proof", fmt.Sprintf("leaf %d of %d: %d hashes (computed from tiles) lead to the root", p.LogIndex, p.TreeSize, len(p.Hashes)),
			model.Evidence{Label: "tree size", Value: strconv.FormatInt(p.TreeSize, 10)})
	}
	cp, err := log.Verify(p.Checkpoint)
	if err != nil {
		r.Fail(StepCheckpoint, "Signed checkpoint", err)
		return c
	}
	c.Checkpoint = cp
	r.Pass(StepCheckpoint, "Signed checkpoint", "signed by the log key", model.Evidence{Label: "origin", Value: cp.Origin})
	if cp.Size != uint64(p.TreeSize) || !bytes.Equal(cp.RootHash, p.RootHash) {
		r.Fail(StepCheckpointMatch, "Checkpoint matches proof", fmt.Errorf("checkpoint size %d root %x, proof size %d root %x", cp.Size, cp.RootHash, p.TreeSize, p.RootHash))
	} else {
		r.Pass(StepCheckpointMatch, "Checkpoint matches proof", "the signed checkpoint commits to the proof's tree size and root")
	}
	return c
}

// VerifyHead verifies a Rekor v1 log head (GET /api/v1/log): its signed
// note with the log's key (Verify), whose origin must name the tree ID the
// head lists, and the size and root the head claims, which must be the
// signed ones (a *HeadMismatchError otherwise). It returns the signed
// checkpoint: callers show and judge only its size and root.
func (n LogNote) VerifyHead(h model.LogInfo) (*model.Checkpoint, error) {
	cp, err := n.Verify(h.SignedTreeHead)
	if err != nil {
		return nil, err
	}
	if _, tree, ok := RekorV1Origin(cp.Origin); h.TreeID != "" && (!ok || tree != h.TreeID) {
		return nil, &OriginError{Got: cp.Origin, Want: "<host> - " + h.TreeID}
	}
	if err := CheckClaimedHead(h.TreeID, *cp, h.TreeSize, h.RootHash); err != nil {
		return nil, err
	}
	return cp, nil
}

// StepCheckpointOrigin is the step CheckEntryOrigin adds when an entry's
// checkpoint names another origin than the log's.
const StepCheckpointOrigin = "checkpoint-origin"

// CheckEntryOrigin fails r when a Rekor v1 entry's verified checkpoint cp
// names another host than the log's known Host: the log's key signed a
// checkpoint for some other log. (ExplainEntry already binds the
// checkpoint's tree ID to the entry's.) Nothing is checked for a tiles log
// or an unknown host.
func (n LogNote) CheckEntryOrigin(r *model.Result, cp model.Checkpoint) {
	if !n.RekorV1 || n.Host == "" {
		return
	}
	if host, _, ok := RekorV1Origin(cp.Origin); !ok || host != n.Host {
		r.Fail(StepCheckpointOrigin, "Checkpoint origin", &OriginError{Got: cp.Origin, Want: n.Host + " - <treeID>"})
	}
}
