package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/provscope/provscope/model"
)

// Resolve fetches the manifest ref names (a tag or a digest) and summarises
// it: for an image its platform, creation time, labels, layer count and
// total size (from the manifest and config; layers are never downloaded);
// for an index, one child per platform manifest. A child that cannot be read
// carries Err; the others are still summarised.
func (c *Client) Resolve(ctx context.Context, ref string) (model.Image, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	r, err := c.ParseReference(ref)
	if err != nil {
		return model.Image{}, err
	}
	desc, err := c.getManifest(ctx, r)
	if err != nil {
		return model.Image{}, fmt.Errorf("fetching manifest %s: %w", ref, err)
	}
	img := model.Image{Reference: ref, Digest: desc.digest.String(), MediaType: string(desc.mediaType)}
	if desc.mediaType.IsIndex() {
		return c.summariseIndex(ctx, r.Context(), img, desc.raw)
	}
	if err := c.summariseImage(ctx, r.Context(), &img, desc.raw); err != nil {
		return img, err
	}
	return img, nil
}

func (c *Client) summariseIndex(ctx context.Context, repo name.Repository, img model.Image, raw []byte) (model.Image, error) {
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return img, fmt.Errorf("parsing index %s: %w", img.Digest, err)
	}
	img.Annotations = im.Annotations
	for _, d := range im.Manifests {
		child := model.Image{
			Reference: repo.Digest(d.Digest.String()).String(),
			Digest:    d.Digest.String(),
			MediaType: string(d.MediaType),
		}
		if d.Platform != nil {
			child.Platform = &model.Platform{OS: d.Platform.OS, Architecture: d.Platform.Architecture, Variant: d.Platform.Variant}
		}
		if !d.MediaType.IsImage() {
			child.Err = fmt.Sprintf("unsupported child media type %q", d.MediaType)
			img.Children = append(img.Children, child)
			continue
		}
		_, raw, err := c.manifest(ctx, repo.Digest(d.Digest.String()), &d)
		if err == nil {
			err = c.summariseImage(ctx, repo, &child, raw)
		}
		if err != nil {
			child.Err = err.Error()
		}
		img.Size += child.Size
		img.Children = append(img.Children, child)
	}
	return img, nil
}

// summariseImage fills img from an image manifest and its config blob.
func (c *Client) summariseImage(ctx context.Context, repo name.Repository, img *model.Image, raw []byte) error {
	if img.MediaType == string(types.DockerManifestSchema1) || img.MediaType == string(types.DockerManifestSchema1Signed) {
		return fmt.Errorf("image %s: docker schema 1 manifests are not supported", img.Digest)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parsing manifest %s: %w", img.Digest, err)
	}
	img.Annotations = m.Annotations
	img.LayerCount = len(m.Layers)
	for _, l := range m.Layers {
		img.Size += l.Size
	}
	img.Size += m.Config.Size + int64(len(raw))
	if !isConfigMediaType(m.Config.MediaType) {
		return nil
	}
	b, err := c.blob(ctx, repo, m.Config)
	if err != nil {
		return fmt.Errorf("reading config of %s: %w", img.Digest, err)
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(b, &cf); err != nil {
		return fmt.Errorf("parsing config of %s: %w", img.Digest, err)
	}
	if !cf.Created.IsZero() {
		img.Created = cf.Created.UTC()
	}
	img.Labels = cf.Config.Labels
	if img.Platform == nil && cf.OS != "" {
		img.Platform = &model.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
	}
	return nil
}

func isConfigMediaType(mt types.MediaType) bool {
	return mt == types.OCIConfigJSON || mt == types.DockerConfigJSON
}
