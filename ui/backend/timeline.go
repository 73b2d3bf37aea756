package backend

import (
	"context"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/ui"
)

var _ ui.TimelineSource = (*Backend)(nil)

// Timeline implements ui.TimelineSource with inspect.TimelineForImage: the
// image's entries, key uses, certificate windows and moved tags, with the
// remembered checkpoints of the configured store.
func (b *Backend) Timeline(ctx context.Context, ref string) (*inspect.Timeline, error) {
	return inspect.TimelineForImage(ctx, inspect.Deps{Registry: b.reg, Log: b.log, Store: b.cfg.Store}, b.fullRef(ref))
}
