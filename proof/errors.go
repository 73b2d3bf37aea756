package proof

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/provscope/provscope/model"
)

// RootMismatchError reports that the root rebuilt from a proof differs from
// the root it was checked against.
type RootMismatchError struct {
	// Which names the root: "root" for an inclusion proof, "old root" or
	// "new root" for a consistency proof.
	Which    string
	Computed []byte
	Expected []byte
	err      error
}

func (e *RootMismatchError) Error() string {
	which := e.Which
	if which == "" {
		which = "root"
	}
	return fmt.Sprintf("computed %s %s does not match expected %s", which, hex.EncodeToString(e.Computed), hex.EncodeToString(e.Expected))
}

// Unwrap returns the merkle library's own error, when there is one.
func (e *RootMismatchError) Unwrap() error { return e.err }

// ProofSizeError reports a proof with the wrong number of hashes for its
// index and tree size(s).
type ProofSizeError struct {
	Got, Want int
	err       error
}

func (e *ProofSizeError) Error() string {
	return fmt.Sprintf("wrong proof size %d, want %d", e.Got, e.Want)
}

// Unwrap returns the merkle library's own error, when there is one.
func (e *ProofSizeError) Unwrap() error { return e.err }

// RangeError reports indices or sizes that cannot describe a proof: a leaf
// index at or beyond the tree size, or a second tree smaller than the first.
type RangeError struct {
	Msg string
	err error
}

func (e *RangeError) Error() string { return e.Msg }

// Unwrap returns the merkle library's own error, when there is one.
func (e *RangeError) Unwrap() error { return e.err }

// BadSignatureError reports a signature made by a known key (the key hint
// and name matched) that does not verify: the signed data was altered or the
// signature is corrupt.
type BadSignatureError struct {
	// What names what was signed, such as "checkpoint" or "signed entry timestamp".
	What string
	// Signer is the key name, or a key fingerprint.
	Signer string
	err    error
}

func (e *BadSignatureError) Error() string {
	s := fmt.Sprintf("%s signature by %s does not verify", e.What, e.Signer)
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

// Unwrap returns the underlying verifier error, when there is one.
func (e *BadSignatureError) Unwrap() error { return e.err }

// UnknownKeyError reports that no signature was made by any of the keys the
// caller trusts.
type UnknownKeyError struct {
	What string
	// Signers lists the name+hint of each signature line found.
	Signers []string
	// Known lists the keys that were accepted.
	Known []string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("no %s signature by a known key: found %d signature(s) %v, known keys %v", e.What, len(e.Signers), e.Signers, e.Known)
}

// InconsistentError reports a log whose signed checkpoint does not extend
// one it signed before for the same tree: Kind says how (rolled back,
// forked, dropped the tree, changed origin, or served a proof that does not
// link them). It carries all the evidence: both checkpoints, their signed
// notes and the proof.
type InconsistentError struct {
	Kind   InconsistencyKind
	TreeID string
	// Old is the earlier (remembered) checkpoint, New the current one
	// (zero for TreeDropped).
	Old, New model.Checkpoint
	// OldNote and NewNote are the signed notes, when the checkpoints came from notes.
	OldNote, NewNote string
	Proof            [][]byte
	Trace            *ConsistencyTrace
	err              error
}

func (e *InconsistentError) Error() string {
	switch e.Kind {
	case Rollback:
		return fmt.Sprintf("log rolled back: tree size %d is smaller than the remembered %d", e.New.Size, e.Old.Size)
	case Fork:
		return fmt.Sprintf("log forked: two signed checkpoints of size %d have different roots %x and %x", e.New.Size, e.Old.RootHash, e.New.RootHash)
	case TreeDropped:
		id := e.TreeID
		if id == "" {
			id = e.Old.Origin
		}
		return fmt.Sprintf("log dropped tree %s: remembered at size %d root %x, no longer listed as an active or inactive shard", id, e.Old.Size, e.Old.RootHash)
	case OriginChanged:
		return fmt.Sprintf("log origin changed: checkpoint origin %q, remembered %q", e.New.Origin, e.Old.Origin)
	}
	return fmt.Sprintf("log history changed: no valid consistency proof from remembered size %d to %d: %v", e.Old.Size, e.New.Size, e.err)
}

// Unwrap returns the reason for an Inconsistent kind: a *RootMismatchError,
// *ProofSizeError, …
func (e *InconsistentError) Unwrap() error { return e.err }

// asErr is errors.As for a pointer to a typed-error pointer.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// HashSizeError reports a hash of the wrong length (RFC 6962 SHA-256
// hashes are 32 bytes).
type HashSizeError struct {
	What      string
	Got, Want int
	err       error
}

func (e *HashSizeError) Error() string {
	return fmt.Sprintf("%s has %d bytes, want %d", e.What, e.Got, e.Want)
}

// Unwrap returns the merkle library's own error, when there is one.
func (e *HashSizeError) Unwrap() error { return e.err }
