package inspect

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/model"
)

// VerifyNote verifies a signed checkpoint note with the log's key and
// returns its body.
//
// TODO(inspect): delegate to proof/'s checkpoint verifier once it lands;
// this interim adapter handles Rekor v1 (ECDSA) notes only.
func (l *Log) VerifyNote(note string) (*model.Checkpoint, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(l.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("parsing log key: %w", err)
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("loading log key: %w", err)
	}
	var sc util.SignedCheckpoint
	if err := sc.UnmarshalText([]byte(note)); err != nil {
		return nil, fmt.Errorf("parsing checkpoint: %w", err)
	}
	if !sc.Verify(v) {
		return nil, errors.New("checkpoint signature does not verify with the log key")
	}
	return &model.Checkpoint{Origin: sc.Origin, Size: sc.Size, RootHash: sc.Hash, Extra: sc.OtherContent}, nil
}
