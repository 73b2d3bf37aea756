package cosignfmt

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/tle"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/registry"
)

// DSSEBundle builds the Sigstore bundle v0.3 (JSON) cosign --new-bundle-format
// stores for a DSSE-signed statement: a public-key hint (base64 SHA-256 of
// the DER SPKI), the log entry (nil: none) and the envelope. It mirrors
// cosign's bundle.MakeNewBundle.
func (s *Signer) DSSEBundle(envelope []byte, entry *models.LogEntryAnon) ([]byte, error) {
	env, err := registry.ParseEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	hint := sha256.Sum256(der)
	b := &protobundle.Bundle{
		MediaType: registry.MediaTypeBundleV03,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{
				PublicKey: &protocommon.PublicKeyIdentifier{Hint: b64(hint[:])},
			},
		},
		Content: &protobundle.Bundle_DsseEnvelope{
			DsseEnvelope: &protodsse.Envelope{
				Payload:     env.Payload,
				PayloadType: env.PayloadType,
				Signatures:  []*protodsse.Signature{{Sig: env.Signatures[0].Sig}},
			},
		},
	}
	if entry != nil {
		te, err := tle.GenerateTransparencyLogEntry(*entry)
		if err != nil {
			return nil, fmt.Errorf("converting log entry: %w", err)
		}
		b.VerificationMaterial.TlogEntries = []*protorekor.TransparencyLogEntry{te}
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encoding bundle: %w", err)
	}
	return out, nil
}
