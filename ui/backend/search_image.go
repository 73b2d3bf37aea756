package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
)

// isImageQuery says whether a search names an image: a digest
// ("sha256:…", however short: a short one is an input error), a reference
// by digest ("repo@sha256:…") or a reference by tag ("host/repo:tag",
// "repo/name"), as opposed to an identity (an email, a URI), a key, a UUID
// or a log index.
func isImageQuery(q string) bool {
	switch {
	case strings.HasPrefix(strings.ToLower(q), "sha256:"), strings.Contains(q, "@sha256:"):
		return true
	case strings.Contains(q, "://"), strings.Contains(q, "@"), strings.ContainsAny(q, " \t\n"), strings.HasPrefix(q, "-----BEGIN"):
		return false
	case strings.HasSuffix(q, ".pem"), strings.HasSuffix(q, ".pub"):
		return false
	}
	return strings.Contains(q, "/")
}

// searchImage lists every entry about an image's digest (inspect.About):
// found through its attachments, the rebuilt simple-signing payload's hash
// and the digest as an in-toto subject. A malformed or shortened digest is
// an input error (ui.ErrInvalidQuery).
func (b *Backend) searchImage(ctx context.Context, q string) (ui.SearchResult, error) {
	repo, _, _, err := inspect.ParseImageOrDigest(q)
	if err != nil {
		return ui.SearchResult{}, fmt.Errorf("%w: %w", ui.ErrInvalidQuery, err)
	}
	ref := q
	if repo != "" || !strings.HasPrefix(strings.ToLower(q), "sha256:") {
		ref = b.fullRef(q)
	}
	deps := inspect.Deps{Registry: b.reg, Log: b.log}
	var rep *inspect.AboutReport
	if b.isTiles() {
		// A tiles log has no search API: its mirror answers, each entry
		// proven against the mirror's signed checkpoint.
		sr, note, oerr := b.openMirror(ctx)
		if sr == nil || oerr != nil {
			return ui.SearchResult{Note: note}, oerr
		}
		mi := &inspect.MirrorIndex{Searcher: sr, Name: "mirror " + b.cfg.MirrorDir}
		if rep, err = inspect.AboutIn(ctx, deps, mi, ref); err == nil {
			found := make([]model.LogEntry, 0, len(rep.Entries))
			for _, e := range rep.Entries {
				found = append(found, e.Entry)
			}
			b.tiles.put(found)
		}
	} else {
		rep, err = inspect.About(ctx, deps, ref)
	}
	var in *inspect.DigestInputError
	if errors.As(err, &in) {
		return ui.SearchResult{}, fmt.Errorf("%w: %w", ui.ErrInvalidQuery, err)
	}
	if err != nil {
		return ui.SearchResult{}, err
	}
	var uuids []string
	byHow := map[string]int{}
	for _, e := range rep.Entries {
		if e.Binding == proof.BindNone {
			continue
		}
		uuids = append(uuids, e.UUID)
		byHow[string(e.Binding)]++
	}
	var parts []string
	for _, k := range []proof.DigestBinding{proof.BindSimpleSigning, proof.BindStatementSubject, proof.BindIndexOnly} {
		if n := byHow[string(k)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	note := fmt.Sprintf("%d entries about %s", len(uuids), rep.Digest)
	if len(parts) > 0 {
		note += " (" + strings.Join(parts, ", ") + ")"
	}
	if rep.Repository == "" {
		note += "; give REPO@DIGEST to find signatures too"
	}
	return ui.SearchResult{UUIDs: uuids, Note: note}, nil
}
