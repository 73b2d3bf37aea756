package cosignfmt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/registry"
)

// SignImageLegacy signs the image d as `cosign sign --key` does: a
// simple-signing payload, a hashedrekord entry uploaded with upload (nil
// uploads nothing and writes no bundle annotation, like --tlog-upload=false)
// and a layer appended to the sha256-<hex>.sig image. It returns the logged
// entry (nil when not uploaded).
func SignImageLegacy(ctx context.Context, d name.Digest, s *Signer, upload Uploader, opts ...remote.Option) (*models.LogEntryAnon, error) {
	payload, err := SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", d, err)
	}
	var entry *models.LogEntryAnon
	bundle := ""
	if upload != nil {
		if _, entry, err = upload(ctx, HashedRekordEntry(payload, sig, s.PublicKeyPEM())); err != nil {
			return nil, fmt.Errorf("logging the signature of %s: %w", d, err)
		}
		if bundle, err = LegacyBundleAnnotation(entry); err != nil {
			return nil, err
		}
	}
	err = WriteAttached(d, registry.SuffixSignature, []Layer{SignatureLayer(payload, sig, bundle)}, true, opts...)
	return entry, err
}

// SignImageBundle signs the image d as `cosign sign --new-bundle-format
// --key` does: a DSSE-signed statement with predicate
// https://sigstore.dev/cosign/sign/v1, a dsse entry uploaded with upload, a
// Sigstore bundle v0.3 stored as an OCI 1.1 referrer. upload is required: a
// bundle without a log entry does not verify.
func SignImageBundle(ctx context.Context, d name.Digest, s *Signer, upload Uploader, opts ...remote.Option) (*models.LogEntryAnon, error) {
	stmt, err := CosignSignStatement(d.DigestStr())
	if err != nil {
		return nil, err
	}
	return s.attestReferrer(ctx, d, stmt, registry.PredicateCosignSign, upload, opts...)
}

func (s *Signer) attestReferrer(ctx context.Context, d name.Digest, stmt []byte, predicateType string, upload Uploader, opts ...remote.Option) (*models.LogEntryAnon, error) {
	env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		return nil, err
	}
	_, entry, err := upload(ctx, DSSEEntry(env, s.PublicKeyPEM()))
	if err != nil {
		return nil, fmt.Errorf("logging the envelope for %s: %w", d, err)
	}
	b, err := s.DSSEBundle(env, entry)
	if err != nil {
		return nil, err
	}
	created := time.Unix(0, 0)
	if entry.IntegratedTime != nil {
		created = time.Unix(*entry.IntegratedTime, 0)
	}
	_, err = WriteBundleReferrer(d, b, predicateType, created, opts...)
	return entry, err
}

// AttestImage attaches an in-toto statement about d with the given predicate
// as `cosign attest --key` does: a DSSE envelope, a dsse entry uploaded with
// upload (nil: not logged), a layer appended to the sha256-<hex>.att image.
func AttestImage(ctx context.Context, d name.Digest, s *Signer, predicateType string, predicate any, upload Uploader, opts ...remote.Option) (*models.LogEntryAnon, error) {
	stmt, err := Statement(d.Context().Name(), d.DigestStr(), predicateType, predicate)
	if err != nil {
		return nil, err
	}
	env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		return nil, err
	}
	var entry *models.LogEntryAnon
	bundle := ""
	if upload != nil {
		if _, entry, err = upload(ctx, DSSEEntry(env, s.PublicKeyPEM())); err != nil {
			return nil, fmt.Errorf("logging the attestation for %s: %w", d, err)
		}
		if bundle, err = LegacyBundleAnnotation(entry); err != nil {
			return nil, err
		}
	}
	err = WriteAttached(d, registry.SuffixAttestation, []Layer{AttestationLayer(env, predicateType, bundle)}, true, opts...)
	return entry, err
}

// AttachSBOM stores an SBOM document (registry.MediaTypeSPDXJSONText,
// MediaTypeCycloneDXJSON, …) as the sha256-<hex>.sbom image of d, replacing
// any earlier one, as `cosign attach sbom` does. SBOMs are not signed.
func AttachSBOM(d name.Digest, mediaType string, doc []byte, opts ...remote.Option) error {
	return WriteAttached(d, registry.SuffixSBOM, []Layer{{Content: doc, MediaType: mediaType}}, false, opts...)
}
