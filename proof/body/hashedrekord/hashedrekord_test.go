package hashedrekord

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"testing"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1" // registers the kind

	"github.com/provscope/provscope/proof/body/decoded"
)

// TestBuildIsRekorsCanonicalBody: Build returns byte for byte the body
// Rekor v1 stores (types.CanonicalizeEntry of the proposed entry cosign
// uploads), so its leaf hash finds a logged signature.
func TestBuildIsRekorsCanonicalBody(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	sum := sha256.Sum256([]byte("payload"))
	sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	alg, value, version := models.HashedrekordV001SchemaDataHashAlgorithmSha256, hex.EncodeToString(sum[:]), "0.0.1"
	proposed := &models.Hashedrekord{APIVersion: &version, Spec: models.HashedrekordV001Schema{
		Data: &models.HashedrekordV001SchemaData{Hash: &models.HashedrekordV001SchemaDataHash{Algorithm: &alg, Value: &value}},
		Signature: &models.HashedrekordV001SchemaSignature{
			Content:   strfmt.Base64(sig),
			PublicKey: &models.HashedrekordV001SchemaSignaturePublicKey{Content: strfmt.Base64(pemKey)},
		},
	}}
	ctx := context.Background()
	ei, err := types.UnmarshalEntry(proposed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := types.CanonicalizeEntry(ctx, ei)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Build(decoded.Digest{Algorithm: "sha256", Hex: value}, sig, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Build = %s\nwant %s", got, want)
	}
}
