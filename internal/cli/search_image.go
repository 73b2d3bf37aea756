package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
)

// runSearchImage is search --image: every log entry about one image digest.
func runSearchImage(cmd *cobra.Command, lf *logFlags, ref string, out outputFlag) error {
	if _, _, _, err := inspect.ParseImageOrDigest(ref); err != nil {
		return usageErr(fmt.Errorf("--image %w", err))
	}
	rep, err := aboutImage(cmd, lf, ref)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if out.json() {
		return writeJSON(w, rep)
	}
	return writeAbout(w, rep)
}

// runSearchImageMirror is search --image --mirror DIR: every entry about
// one image digest in a tiles log's mirror (inspect.MirrorIndex), each
// proven against the mirror's signed checkpoint.
func runSearchImageMirror(cmd *cobra.Command, dir, logKey, ref string, out outputFlag) error {
	if _, _, _, err := inspect.ParseImageOrDigest(ref); err != nil {
		return usageErr(fmt.Errorf("--image %w", err))
	}
	ctx := cmd.Context()
	sr, err := openMirrorSearcher(ctx, dir, logKey)
	if err != nil {
		return err
	}
	defer sr.Close()
	deps := inspect.Deps{Registry: registry.New(registry.Config{UserAgent: "provscope/" + buildVersion()})}
	rep, err := inspect.AboutIn(ctx, deps, &inspect.MirrorIndex{Searcher: sr, Name: "mirror " + dir}, ref)
	if err = aboutError(err); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if out.json() {
		return writeJSON(w, rep)
	}
	return writeAbout(w, rep)
}

// aboutError classes inspect.About's errors: a bad reference or digest, or
// an image the registry does not hold, is an input error; anything else a
// failure.
func aboutError(err error) error {
	var in *inspect.DigestInputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &in):
		return usageErr(err)
	case registry.IsNotFound(err) || strings.Contains(err.Error(), "parsing reference"):
		return usageErr(err)
	}
	return failed(err)
}

// aboutImage opens the registry and the log lf names and runs inspect.About.
// Errors are already usage or failure errors.
func aboutImage(cmd *cobra.Command, lf *logFlags, ref string) (*inspect.AboutReport, error) {
	sel, _, err := lf.selection()
	if err != nil {
		return nil, err
	}
	if sel.Log.Kind == logs.KindTiles {
		return nil, usageErr(&tilesSearchError{Log: sel.Log})
	}
	ctx := cmd.Context()
	l, _, err := lf.open(ctx)
	if err != nil {
		return nil, err
	}
	deps := inspect.Deps{Registry: registry.New(registry.Config{UserAgent: "provscope/" + buildVersion()}), Log: l}
	rep, err := inspect.About(ctx, deps, ref)
	if err = aboutError(err); err != nil {
		return nil, err
	}
	return rep, nil
}

// writeAbout prints search --image's table: one row per entry, then how it
// was found and what binds it to the digest. Every foreign string is
// sanitised.
func writeAbout(w io.Writer, rep *inspect.AboutReport) error {
	var s strings.Builder
	bound := 0
	for _, e := range rep.Entries {
		if e.Binding != proof.BindNone {
			bound++
		}
	}
	subject := line(rep.Digest)
	if rep.Repository != "" {
		subject = line(rep.Repository) + "@" + subject
	}
	fmt.Fprintf(&s, "%d entr%s about %s in %s\n", bound, map[bool]string{true: "y", false: "ies"}[bound == 1], subject, line(rep.Log))
	if len(rep.Entries) > 0 {
		fmt.Fprintf(&s, "%-10s  %-20s  %-14s  %-17s  %-24s  %s\n", "INDEX", "INTEGRATED", "KIND", "BINDING", "SIGNER", "UUID")
	}
	for _, e := range rep.Entries {
		fmt.Fprintf(&s, "%-10d  %-20s  %-14s  %-17s  %-24s  %s\n", e.LogIndex, e.IntegratedTime.UTC().Format(time.RFC3339),
			safetext.Truncate(e.Kind, 14), string(e.Binding), safetext.Truncate(e.Signer.String(), 24), line(e.UUID))
		if e.PredicateType != "" {
			fmt.Fprintf(&s, "    predicate: %s\n", line(e.PredicateType))
		}
		fmt.Fprintf(&s, "    bound: %s\n", line(e.BindingDetail))
		for _, f := range e.FoundBy {
			fmt.Fprintf(&s, "    found by: %s\n", line(f))
		}
	}
	s.WriteString("searched:\n")
	for _, q := range rep.Searches {
		fmt.Fprintf(&s, "  %s  %d match(es)  (%s)", line(q.Hash), q.Found, line(q.Why))
		if q.Err != "" {
			fmt.Fprintf(&s, "  error: %s", line(q.Err))
		}
		s.WriteString("\n")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&s, "note: %s\n", line(n))
	}
	_, err := io.WriteString(w, s.String())
	return err
}
