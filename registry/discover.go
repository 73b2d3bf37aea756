package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/model"
)

// Cosign tag suffixes (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md).
const (
	SuffixSignature   = ".sig"
	SuffixAttestation = ".att"
	SuffixSBOM        = ".sbom"
)

// CosignTag returns cosign's tag for digest with suffix: "sha256-<hex><suffix>".
func CosignTag(digest, suffix string) string {
	return strings.Replace(digest, ":", "-", 1) + suffix
}

// IsAttachmentTag reports whether tag is one of cosign's attachment tags or
// the OCI referrers fallback tag ("sha256-<64 hex>" with an optional suffix).
func IsAttachmentTag(tag string) bool {
	rest, ok := strings.CutPrefix(tag, "sha256-")
	if !ok || len(rest) < 64 {
		return false
	}
	switch rest[64:] {
	case "", SuffixSignature, SuffixAttestation, SuffixSBOM:
		return true
	}
	return false
}

// SourceError reports an attachment source (a cosign tag, the referrers
// listing) that could not be read at all. The other sources are still listed.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return fmt.Sprintf("reading %s: %v", e.Source, e.Err) }
func (e *SourceError) Unwrap() error { return e.Err }

// Discover lists what is attached to the manifest named by ref (a digest
// reference, or a tag that is resolved first): cosign's .sig, .att and .sbom
// tags, then OCI 1.1 referrers (the referrers API, or the fallback tag
// schema when the registry has no referrers API). Each artifact becomes one
// Attachment; one that cannot be read or parsed has Err set and the others
// are still returned. The error, a join of *SourceError, reports sources that
// could not be listed; attachments found elsewhere are returned with it.
//
// With Config.SignatureRepository (or $COSIGN_REPOSITORY) set, the cosign
// tags and referrers are looked up in that repository, as cosign stores
// them there; their Source then names the repository.
func (c *Client) Discover(ctx context.Context, ref string) ([]model.Attachment, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	d, err := c.digestOf(ctx, ref)
	if err != nil {
		return nil, err
	}
	d, err = c.attachmentSubject(d)
	if err != nil {
		return nil, err
	}
	type result struct {
		atts []model.Attachment
		err  error
	}
	tag := func(suffix string, kind model.AttachmentKind) func() ([]model.Attachment, error) {
		return func() ([]model.Attachment, error) { return c.cosignTag(ctx, d, suffix, kind) }
	}
	sources := []func() ([]model.Attachment, error){
		tag(SuffixSignature, model.AttachSignature),
		tag(SuffixAttestation, model.AttachAttestation),
		tag(SuffixSBOM, model.AttachSBOM),
		func() ([]model.Attachment, error) { return c.referrers(ctx, d) },
	}
	results := make([]result, len(sources))
	var wg sync.WaitGroup
	for i, f := range sources {
		wg.Go(func() {
			atts, err := f()
			results[i] = result{atts, err}
		})
	}
	wg.Wait()
	var all []model.Attachment
	var errs []error
	for _, r := range results {
		all = append(all, r.atts...)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	return all, errors.Join(errs...)
}

// attachmentSubject returns d moved into the signature repository when one
// is configured: cosign names attachments by the subject's digest alone, so
// the tags and the referrers index live at <signature repo>@<digest>.
func (c *Client) attachmentSubject(d name.Digest) (name.Digest, error) {
	if c.cfg.SignatureRepository == "" {
		return d, nil
	}
	repo, err := name.NewRepository(c.cfg.SignatureRepository, c.nameOptions()...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("parsing signature repository %q: %w", c.cfg.SignatureRepository, err)
	}
	return repo.Digest(d.DigestStr()), nil
}

// SignatureRepository returns the repository attachments are looked up in
// instead of the image's own (Config.SignatureRepository or
// $COSIGN_REPOSITORY), or "" when they are looked up beside the image.
func (c *Client) SignatureRepository() string { return c.cfg.SignatureRepository }

// digestOf resolves ref to a digest reference.
func (c *Client) digestOf(ctx context.Context, ref string) (name.Digest, error) {
	r, err := c.ParseReference(ref)
	if err != nil {
		return name.Digest{}, err
	}
	if d, ok := r.(name.Digest); ok {
		return d, nil
	}
	desc, err := remote.Head(r, c.options(ctx)...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("resolving %s: %w", ref, classify(err))
	}
	return r.Context().Digest(desc.Digest.String()), nil
}

// cosignTag reads the cosign tag for d with suffix; a missing tag means no
// attachments of that kind.
func (c *Client) cosignTag(ctx context.Context, d name.Digest, suffix string, kind model.AttachmentKind) ([]model.Attachment, error) {
	tag := d.Context().Tag(CosignTag(d.DigestStr(), suffix))
	source := "tag:" + tag.TagStr()
	if c.cfg.SignatureRepository != "" {
		source = "tag:" + tag.String()
	}
	ref, ok := c.headTag(ctx, tag)
	if !ok {
		return nil, nil
	}
	m, _, err := c.manifest(ctx, ref, nil)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, &SourceError{Source: source, Err: err}
	}
	atts := make([]model.Attachment, 0, len(m.Layers))
	for _, l := range m.Layers {
		a := model.Attachment{
			Kind:        kind,
			Source:      source,
			Digest:      l.Digest.String(),
			MediaType:   string(l.MediaType),
			Annotations: l.Annotations,
		}
		if err := c.fillLayer(ctx, d.Context(), l, &a); err != nil {
			a.Err = err.Error()
		}
		atts = append(atts, a)
	}
	return atts, nil
}

// headTag resolves tag to its digest with a HEAD request, which Docker Hub
// does not count as a pull (most images have no .att or .sbom tag, so most
// of these lookups are misses), so that only a tag that exists is fetched,
// by digest and through the manifest cache. When the registry will not
// answer HEAD (a non-404 failure), the tag itself is returned and GET
// decides. ok is false when the tag does not exist.
func (c *Client) headTag(ctx context.Context, tag name.Tag) (ref name.Reference, ok bool) {
	desc, err := remote.Head(tag, c.options(ctx)...)
	if IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		return tag, true
	}
	return tag.Context().Digest(desc.Digest.String()), true
}

// fillLayer fetches one attachment layer (bounded) and parses it according
// to a.Kind and its media type.
func (c *Client) fillLayer(ctx context.Context, repo name.Repository, l v1.Descriptor, a *model.Attachment) error {
	mt := string(l.MediaType)
	switch {
	case mt == MediaTypeBundleV03 || strings.HasPrefix(mt, "application/vnd.dev.sigstore.bundle"):
		b, err := c.blob(ctx, repo, l)
		if err != nil {
			return err
		}
		return fillBundle(a, b)
	case a.Kind == model.AttachSBOM || IsSBOMMediaType(mt):
		a.Kind = model.AttachSBOM
		b, err := c.blob(ctx, repo, l)
		if err != nil {
			return err
		}
		a.Payload = b
		format, n, err := ParseSBOM(mt, b)
		a.SBOMFormat, a.SBOMPackages = format, n
		return err
	case a.Kind == model.AttachAttestation || mt == MediaTypeDSSE:
		a.Kind = model.AttachAttestation
		b, err := c.blob(ctx, repo, l)
		if err != nil {
			return err
		}
		return fillAttestationLayer(a, b)
	case a.Kind == model.AttachSignature || mt == MediaTypeSimpleSigning:
		a.Kind = model.AttachSignature
		b, err := c.blob(ctx, repo, l)
		if err != nil {
			return err
		}
		return fillLegacySignature(a, b)
	}
	return nil
}

// referrers lists the OCI 1.1 referrers of d and parses each one's layers.
func (c *Client) referrers(ctx context.Context, d name.Digest) ([]model.Attachment, error) {
	idx, err := remote.Referrers(d, c.options(ctx)...)
	if err != nil {
		return nil, &SourceError{Source: "referrers", Err: classify(err)}
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, &SourceError{Source: "referrers", Err: err}
	}
	var atts []model.Attachment
	for _, desc := range im.Manifests {
		source := "referrer:" + desc.Digest.String()
		m, _, err := c.manifest(ctx, d.Context().Digest(desc.Digest.String()), &desc)
		if err != nil {
			atts = append(atts, model.Attachment{
				Kind: kindOfArtifactType(desc.ArtifactType), Source: source, Digest: desc.Digest.String(),
				MediaType: desc.ArtifactType, Annotations: desc.Annotations,
				Err: err.Error(),
			})
			continue
		}
		at := firstNonEmpty(desc.ArtifactType, m.ArtifactType, string(m.Config.MediaType))
		for _, l := range m.Layers {
			a := model.Attachment{
				Kind:        kindOfArtifactType(at),
				Source:      source,
				Digest:      l.Digest.String(),
				MediaType:   string(l.MediaType),
				Annotations: mergeAnnotations(m.Annotations, l.Annotations),
			}
			if err := c.fillLayer(ctx, d.Context(), l, &a); err != nil {
				a.Err = err.Error()
			}
			atts = append(atts, a)
		}
	}
	return atts, nil
}

// kindOfArtifactType guesses a referrer's kind from its artifact type before
// its content is read (a bundle's content then decides).
func kindOfArtifactType(at string) model.AttachmentKind {
	switch {
	case at == MediaTypeInToto || at == MediaTypeDSSE:
		return model.AttachAttestation
	case IsSBOMMediaType(at):
		return model.AttachSBOM
	case at == MediaTypeSimpleSigning || at == "application/vnd.dev.cosign.artifact.sig.v1+json":
		return model.AttachSignature
	case strings.HasPrefix(at, "application/vnd.dev.sigstore.bundle"):
		return model.AttachSignature
	}
	return 0
}

func mergeAnnotations(manifest, layer map[string]string) map[string]string {
	if len(manifest) == 0 {
		return layer
	}
	out := make(map[string]string, len(manifest)+len(layer))
	for k, v := range manifest {
		out[k] = v
	}
	for k, v := range layer {
		out[k] = v
	}
	return out
}

// manifest fetches and parses the image manifest at ref. When want is given
// (the descriptor ref was found through), the manifest's size must match it.
func (c *Client) manifest(ctx context.Context, ref name.Reference, want *v1.Descriptor) (*v1.Manifest, []byte, error) {
	desc, err := c.getManifest(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	raw := desc.raw
	if want != nil && want.Size != int64(len(raw)) {
		return nil, nil, fmt.Errorf("manifest %s is %d bytes, its descriptor says %d", ref, len(raw), want.Size)
	}
	m, err := v1.ParseManifest(strings.NewReader(string(raw)))
	if err != nil {
		return nil, nil, fmt.Errorf("parsing manifest %s: %w", ref, err)
	}
	return m, raw, nil
}

// blob fetches the blob l describes, refusing it when its descriptor claims
// more than MaxBlobBytes and failing when the bytes do not match the
// descriptor's size or digest.
func (c *Client) blob(ctx context.Context, repo name.Repository, l v1.Descriptor) ([]byte, error) {
	if l.Size > c.cfg.MaxBlobBytes {
		return nil, &TooLargeError{What: "blob " + l.Digest.String(), Size: l.Size, Limit: c.cfg.MaxBlobBytes}
	}
	if l.Size < 0 {
		return nil, fmt.Errorf("blob %s has negative size %d", l.Digest, l.Size)
	}
	layer, err := remote.Layer(repo.Digest(l.Digest.String()), c.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("fetching blob %s: %w", l.Digest, classify(err))
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetching blob %s: %w", l.Digest, classify(err))
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, l.Size+1))
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", l.Digest, err)
	}
	if got := int64(len(b)); got > l.Size {
		return nil, fmt.Errorf("blob %s is longer than its descriptor's %d bytes", l.Digest, l.Size)
	} else if got < l.Size {
		return nil, fmt.Errorf("blob %s is %d bytes, its descriptor says %d", l.Digest, got, l.Size)
	}
	// Drain up to one byte more so the digest check at EOF runs.
	if _, err := io.Copy(io.Discard, io.LimitReader(rc, 1)); err != nil {
		return nil, fmt.Errorf("verifying blob %s: %w", l.Digest, err)
	}
	return b, nil
}
