package inspecttest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/internal/keyless"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
)

// PredicateSLSA is the predicate type SignKeyless attests.
const PredicateSLSA = "https://slsa.dev/provenance/v1"

// SignKeyless signs and attests the image d as `cosign sign` and
// `cosign attest` do without a key, in the legacy format, with ten-minute
// certificates for identity and issuer from f (keyless.SignImage and
// keyless.AttestImage): a hashedrekord entry for the simple-signing payload
// and a dsse entry for an in-toto statement about d, both recording the
// certificate and uploaded with upload; a layer on the .sig and on the .att
// image, each with the certificate, chain and bundle annotations.
func SignKeyless(ctx context.Context, d name.Digest, f *Fulcio, identity, issuer string, upload cosignfmt.Uploader, now time.Time, opts ...remote.Option) error {
	s := signer(identity, issuer, now)
	if err := keyless.SignImage(ctx, d, f.ca, s, upload, opts...); err != nil {
		return err
	}
	pred := map[string]any{"buildDefinition": map[string]any{"buildType": "https://provscope.test/build"}}
	return keyless.AttestImage(ctx, d, f.ca, s, PredicateSLSA, pred, upload, opts...)
}

// PushRandomImage pushes a random one-layer image to ref (a tag on a
// loopback registry) and returns its digest reference.
func PushRandomImage(ctx context.Context, ref string) (name.Digest, error) {
	img, err := random.Image(512, 1)
	if err != nil {
		return name.Digest{}, err
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return name.Digest{}, err
	}
	if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	h, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return tag.Context().Digest(h.String()), nil
}

// Uploader uploads to a Rekor v1 log through rekor/client.
func Uploader(c *client.Client) cosignfmt.Uploader {
	return func(ctx context.Context, pe models.ProposedEntry) (string, *models.LogEntryAnon, error) {
		uuid, e, _, err := c.UploadAnon(ctx, pe)
		return uuid, e, err
	}
}
