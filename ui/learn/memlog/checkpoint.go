package memlog

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Key is a note signing key with its verifier, as a log or a witness holds.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	// VerifierKey is the public "<name>+<hash>+<keydata>" string.
	VerifierKey string
	// Witness keys sign C2SP tlog-cosignature (cosignature/v1) lines.
	Witness bool
}

// NewKey derives an Ed25519 note key named name from seed. The same seed
// gives the same key, so the teaching screens are reproducible; the key only
// ever signs toy checkpoints.
func NewKey(name string, seed uint64) (Key, error) {
	var s [32]byte
	for i := range 4 {
		v := seed + uint64(i)*0x9e3779b97f4a7c15
		binary.LittleEndian.PutUint64(s[i*8:], v)
	}
	skey, vkey, err := note.GenerateKey(rand.NewChaCha8(s), name)
	if err != nil {
		return Key{}, fmt.Errorf("generating key %q: %w", name, err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return Key{}, fmt.Errorf("loading signer %q: %w", name, err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return Key{}, fmt.Errorf("loading verifier %q: %w", name, err)
	}
	return Key{Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}

// NewWitnessKey derives, like NewKey, an Ed25519 key named name that
// cosigns checkpoints as a C2SP witness does (https://c2sp.org/tlog-cosignature,
// cosignature/v1: the signature carries the time of cosigning, so each
// cosignature differs).
func NewWitnessKey(name string, seed uint64) (Key, error) {
	k, err := NewKey(name, seed)
	if err != nil {
		return Key{}, err
	}
	var s [32]byte
	for i := range 4 {
		v := seed + uint64(i)*0x9e3779b97f4a7c15
		binary.LittleEndian.PutUint64(s[i*8:], v)
	}
	skey, _, err := note.GenerateKey(rand.NewChaCha8(s), name)
	if err != nil {
		return Key{}, fmt.Errorf("generating witness key %q: %w", name, err)
	}
	cs, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return Key{}, fmt.Errorf("loading witness signer %q: %w", name, err)
	}
	return Key{Signer: cs, Verifier: cs.Verifier(), VerifierKey: k.VerifierKey, Witness: true}, nil
}

// CheckpointBody is the unsigned C2SP tlog-checkpoint text: origin, tree
// size and base64 root hash, one per line.
func CheckpointBody(origin string, size uint64, root []byte) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root))
}

// Checkpoint returns the tree of the given size's checkpoint signed by every
// key in keys (the log first, then any witnesses). Requires size <= Size().
func (l *Log) Checkpoint(origin string, size uint64, keys ...Key) ([]byte, error) {
	root, err := l.Root(size)
	if err != nil {
		return nil, fmt.Errorf("signing checkpoint: %w", err)
	}
	signers := make([]note.Signer, len(keys))
	for i, k := range keys {
		signers[i] = k.Signer
	}
	msg, err := note.Sign(&note.Note{Text: CheckpointBody(origin, size, root)}, signers...)
	if err != nil {
		return nil, fmt.Errorf("signing checkpoint: %w", err)
	}
	return msg, nil
}
