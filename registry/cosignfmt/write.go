package cosignfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/provscope/provscope/registry"
)

// Layer is one layer of a cosign .sig, .att or .sbom image: its content,
// media type and annotations.
type Layer struct {
	Content     []byte
	MediaType   string
	Annotations map[string]string
}

// SignatureLayer is the .sig layer cosign writes for a simple-signing payload
// and its signature; bundle is the dev.sigstore.cosign/bundle annotation
// ("" for a signature that was never logged).
func SignatureLayer(payload, sig []byte, bundle string) Layer {
	ann := map[string]string{registry.AnnotationSignature: b64(sig)}
	if bundle != "" {
		ann[registry.AnnotationBundle] = bundle
	}
	return Layer{Content: payload, MediaType: registry.MediaTypeSimpleSigning, Annotations: ann}
}

// AttestationLayer is the .att layer cosign writes for a DSSE envelope: the
// signature annotation is empty (the signature is inside the envelope).
func AttestationLayer(envelope []byte, predicateType, bundle string) Layer {
	ann := map[string]string{registry.AnnotationSignature: "", registry.AnnotationPredicateType: predicateType}
	if bundle != "" {
		ann[registry.AnnotationBundle] = bundle
	}
	return Layer{Content: envelope, MediaType: registry.MediaTypeDSSE, Annotations: ann}
}

// WriteAttached writes the cosign attachment image for d with the given
// suffix (registry.SuffixSignature, SuffixAttestation, SuffixSBOM) holding
// layers. With appendExisting, the layers are appended to the image already
// at that tag, as cosign does for signatures and attestations; layers
// already present (same digest and annotations) are not repeated.
func WriteAttached(d name.Digest, suffix string, layers []Layer, appendExisting bool, opts ...remote.Option) error {
	tag := d.Context().Tag(registry.CosignTag(d.DigestStr(), suffix))
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	seen := map[string]bool{}
	if appendExisting {
		img, err := remote.Image(tag, opts...)
		switch {
		case err == nil:
			base = img
			m, err := img.Manifest()
			if err != nil {
				return fmt.Errorf("reading %s: %w", tag, err)
			}
			for _, l := range m.Layers {
				seen[layerKey(l.Digest.String(), l.Annotations)] = true
			}
		case registry.IsNotFound(err):
		default:
			return fmt.Errorf("reading %s: %w", tag, err)
		}
	}
	adds := make([]mutate.Addendum, 0, len(layers))
	for _, l := range layers {
		sl := static.NewLayer(l.Content, types.MediaType(l.MediaType))
		h, err := sl.Digest()
		if err != nil {
			return err
		}
		if seen[layerKey(h.String(), l.Annotations)] {
			continue
		}
		seen[layerKey(h.String(), l.Annotations)] = true
		adds = append(adds, mutate.Addendum{Layer: sl, Annotations: l.Annotations, MediaType: types.MediaType(l.MediaType)})
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return fmt.Errorf("building %s: %w", tag, err)
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return fmt.Errorf("writing %s: %w", tag, err)
	}
	return nil
}

func layerKey(digest string, ann map[string]string) string {
	b, _ := json.Marshal(ann)
	return digest + string(b)
}

// referrerManifest is an OCI 1.1 image manifest with artifactType, which
// go-containerregistry's v1.Manifest lacks at the top level in the form
// cosign writes.
type referrerManifest struct {
	v1.Manifest
	ArtifactType string `json:"artifactType,omitempty"`
}

type taggable struct {
	raw []byte
	mt  types.MediaType
}

func (t taggable) RawManifest() ([]byte, error)        { return t.raw, nil }
func (t taggable) MediaType() (types.MediaType, error) { return t.mt, nil }

// WriteBundleReferrer stores a Sigstore bundle as an OCI 1.1 referrer of d,
// exactly as cosign's WriteAttestationNewBundleFormat does: an empty "{}"
// config with media type application/vnd.oci.empty.v1+json, one layer of
// media type application/vnd.dev.sigstore.bundle.v0.3+json, artifactType the
// same, the subject d, and the annotations dev.sigstore.bundle.content
// "dsse-envelope" and dev.sigstore.bundle.predicateType. created stamps
// org.opencontainers.image.created. It returns the referrer's digest.
func WriteBundleReferrer(d name.Digest, bundle []byte, predicateType string, created time.Time, opts ...remote.Option) (v1.Hash, error) {
	return WriteBundleReferrerIn(d.Context(), d, bundle, predicateType, created, opts...)
}

// WriteBundleReferrerIn is WriteBundleReferrer storing the referrer in repo
// instead of beside d (cosign's $COSIGN_REPOSITORY): the subject is read
// from d and named by digest, so that the referrer is found at
// repo@<d's digest>.
func WriteBundleReferrerIn(repo name.Repository, d name.Digest, bundle []byte, predicateType string, created time.Time, opts ...remote.Option) (v1.Hash, error) {
	subject, err := remote.Head(d, opts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading subject %s: %w", d, err)
	}
	d = repo.Digest(d.DigestStr())
	cfg := static.NewLayer([]byte("{}"), types.OCIConfigJSON)
	layer := static.NewLayer(bundle, types.MediaType(registry.MediaTypeBundleV03))
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(d.Context(), l, opts...); err != nil {
			return v1.Hash{}, fmt.Errorf("uploading blob: %w", err)
		}
	}
	cfgDigest, _ := cfg.Digest()
	layerDigest, _ := layer.Digest()
	m := referrerManifest{
		Manifest: v1.Manifest{
			SchemaVersion: 2,
			MediaType:     types.OCIManifestSchema1,
			Config: v1.Descriptor{
				MediaType:    "application/vnd.oci.empty.v1+json",
				ArtifactType: registry.MediaTypeBundleV03,
				Digest:       cfgDigest,
				Size:         2,
			},
			Layers: []v1.Descriptor{{
				MediaType: types.MediaType(registry.MediaTypeBundleV03),
				Digest:    layerDigest,
				Size:      int64(len(bundle)),
			}},
			Subject: &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
			Annotations: map[string]string{
				"org.opencontainers.image.created":     created.UTC().Format(time.RFC3339),
				registry.AnnotationBundleContent:       "dsse-envelope",
				registry.AnnotationBundlePredicateType: predicateType,
			},
		},
		ArtifactType: registry.MediaTypeBundleV03,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(d.Context().Digest(h.String()), taggable{raw: raw, mt: types.OCIManifestSchema1}, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("writing referrer of %s: %w", d, err)
	}
	return h, nil
}
