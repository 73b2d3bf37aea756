package inspect

import (
	"fmt"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// NoteKeys builds the note verifier keys for the log key and a signed note:
// one per signer name on the note's signature lines. For ECDSA (Rekor v1)
// the key hash does not commit to the name, so the name the log signs with
// (its host name) is taken from the note; for Ed25519 the hash commits to
// the name, so only the right name can match.
func (l *Log) NoteKeys(note string) ([]proof.NoteKey, error) {
	pub, err := proof.ParsePublicKeyPEM(l.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("parsing log key: %w", err)
	}
	names := map[string]bool{}
	if l.Def.Origin != "" {
		names[l.Def.Origin] = true
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
	var keys []proof.NoteKey
	for name := range names {
		k, err := proof.NewLogKey(name, pub)
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

// VerifyNote verifies a signed checkpoint note with the log's key
// (proof.VerifyCheckpoint) and returns its body. For a tiles log with a
// configured origin, the origin must match.
func (l *Log) VerifyNote(note string) (*model.Checkpoint, error) {
	keys, err := l.NoteKeys(note)
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	vc, err := proof.VerifyCheckpoint([]byte(note), keys, proof.CheckpointOptions{Origin: l.Def.Origin})
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	cp := vc.Checkpoint
	return &cp, nil
}
