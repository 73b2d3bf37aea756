package keyless

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// Signer is who signs keyless: the identity and OIDC issuer the CA
// certifies, and the certificate's validity.
type Signer struct {
	// Identity is the certificate's SAN: an email address, or a URI (such
	// as a CI workflow) when it has a scheme.
	Identity string
	// Issuer is the OIDC issuer that vouched for Identity.
	Issuer string
	// NotBefore and NotAfter bound the certificate, and NotBefore dates its
	// SCT. Requires NotBefore < NotAfter.
	NotBefore time.Time
	NotAfter  time.Time
}

// certified is a certificate with its key, ready to sign.
type certified struct {
	certPEM, chainPEM []byte
	signer            *cosignfmt.Signer
}

func (c certified) annotate(l cosignfmt.Layer) cosignfmt.Layer {
	l.Annotations[registry.AnnotationCertificate] = string(c.certPEM)
	l.Annotations[registry.AnnotationChain] = string(c.chainPEM)
	return l
}

func (ca *CA) certify(s Signer) (certified, error) {
	certPEM, key, err := ca.Issue(s.Identity, s.Issuer, s.NotBefore, s.NotAfter)
	if err != nil {
		return certified{}, err
	}
	signer, err := cosignfmt.NewSigner(key)
	if err != nil {
		return certified{}, err
	}
	return certified{certPEM: certPEM, chainPEM: ca.RootPEM(), signer: signer}, nil
}

// SignImage signs the image d as `cosign sign` does without a key, in the
// legacy format: a certificate for s from ca; a simple-signing payload
// signed with its key; a hashedrekord entry recording the signature and the
// certificate (not a public key), uploaded with upload; a layer on the .sig
// image with the signature, certificate, chain and Rekor bundle
// annotations, appended to those already there.
func SignImage(ctx context.Context, d name.Digest, ca *CA, s Signer, upload cosignfmt.Uploader, opts ...remote.Option) error {
	c, err := ca.certify(s)
	if err != nil {
		return err
	}
	payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	if err != nil {
		return err
	}
	sig, err := c.signer.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("signing %s: %w", d, err)
	}
	return c.logAndAttach(ctx, d, upload, cosignfmt.HashedRekordEntry(payload, sig, c.certPEM), registry.SuffixSignature,
		func(bundle string) cosignfmt.Layer { return cosignfmt.SignatureLayer(payload, sig, bundle) }, opts...)
}

// AttestImage attests the image d as `cosign attest --type predicateType`
// does without a key, in the legacy format: an in-toto statement about d
// with predicate in a DSSE envelope signed with the key of a certificate for
// s from ca; a dsse entry recording the envelope and the certificate,
// uploaded with upload; a layer on the .att image with the certificate,
// chain and Rekor bundle annotations, appended to those already there.
func AttestImage(ctx context.Context, d name.Digest, ca *CA, s Signer, predicateType string, predicate any, upload cosignfmt.Uploader, opts ...remote.Option) error {
	c, err := ca.certify(s)
	if err != nil {
		return err
	}
	stmt, err := cosignfmt.Statement(d.Context().Name(), d.DigestStr(), predicateType, predicate)
	if err != nil {
		return err
	}
	env, err := c.signer.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		return err
	}
	return c.logAndAttach(ctx, d, upload, cosignfmt.DSSEEntry(env, c.certPEM), registry.SuffixAttestation,
		func(bundle string) cosignfmt.Layer { return cosignfmt.AttestationLayer(env, predicateType, bundle) }, opts...)
}

// logAndAttach uploads the proposed entry, then appends the layer that
// layer builds around the entry's Rekor bundle annotation, with the
// certificate and chain annotations, to d's attached image with suffix.
func (c certified) logAndAttach(ctx context.Context, d name.Digest, upload cosignfmt.Uploader, pe models.ProposedEntry, suffix string, layer func(bundle string) cosignfmt.Layer, opts ...remote.Option) error {
	_, entry, err := upload(ctx, pe)
	if err != nil {
		what := "signature"
		if suffix == registry.SuffixAttestation {
			what = "attestation"
		}
		return fmt.Errorf("logging the keyless %s of %s: %w", what, d, err)
	}
	bundle, err := cosignfmt.LegacyBundleAnnotation(entry)
	if err != nil {
		return err
	}
	return cosignfmt.WriteAttached(d, suffix, []cosignfmt.Layer{c.annotate(layer(bundle))}, true, opts...)
}
