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
	"github.com/provscope/provscope/rekor/client"
)

// newTimelineCmd shows what happened to an image, an identity or a key.
func newTimelineCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var identity, issuer, keyPath, format string
	cmd := &cobra.Command{
		Use:   "timeline (IMAGE | --identity ID [--issuer ISS] | --key PEM)",
		Short: "Show log entries in time order: signers, key rotation, certificate windows, moved tags",
		Long: `timeline lists log entries in integrated-time order with their signer, kind
and log index, and the remembered checkpoint (loginfo) covering each; then
per signer key its first and last use (a rotation shows as one key's last use
followed by another's first), the signing certificates' validity windows,
and, for an IMAGE, the digests whose cosign signature tag still sits in the
registry while no tag points to them any more (a moved tag) with who signed
them.

IMAGE entries are found as search --image finds them. --identity searches
the log for a certificate email or subject (--issuer keeps only that OIDC
issuer); --key for a public key.

--output json prints the timeline as JSON; --format markdown as Markdown.
Exit code 0, or 2 for a usage or input error.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if format != "" && format != "text" && format != "markdown" {
				return usageErr(fmt.Errorf("--format %q: want text or markdown", format))
			}
			n := 0
			for _, set := range []bool{len(args) == 1, identity != "", keyPath != ""} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usageErr(errors.New("give exactly one of IMAGE, --identity, --key"))
			}
			if issuer != "" && identity == "" {
				return usageErr(errors.New("--issuer needs --identity"))
			}
			if len(args) == 1 {
				if _, _, _, err := inspect.ParseImageOrDigest(args[0]); err != nil {
					return usageErr(err)
				}
			}
			deps, err := exportDeps(cmd, &lf)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var tl *inspect.Timeline
			switch {
			case len(args) == 1:
				tl, err = inspect.TimelineForImage(ctx, deps, args[0])
			case identity != "":
				q := client.SearchQuery{Subject: identity}
				if strings.Contains(identity, "@") && !strings.Contains(identity, "://") {
					q = client.SearchQuery{Email: identity}
				}
				tl, err = inspect.TimelineForQuery(ctx, deps, identity, q, issuer)
			default:
				b, rerr := readFileBounded(keyPath, maxSearchKeyFile)
				if rerr != nil {
					return usageErr(fmt.Errorf("reading --key: %w", rerr))
				}
				if _, ferr := inspect.KeyFingerprint(b); ferr != nil {
					return usageErr(fmt.Errorf("reading --key %s: %w", keyPath, ferr))
				}
				tl, err = inspect.TimelineForQuery(ctx, deps, "key "+keyPath, client.SearchQuery{PublicKey: b, PublicKeyFormat: "x509"}, "")
			}
			var in *inspect.DigestInputError
			switch {
			case errors.As(err, &in):
				return usageErr(err)
			case err != nil:
				return failed(err)
			}
			w := cmd.OutOrStdout()
			switch {
			case out.json():
				return writeJSON(w, tl)
			case format == "markdown":
				return writeTimelineMarkdown(w, tl)
			}
			return writeTimeline(w, tl)
		},
	}
	lf.register(cmd)
	out.register(cmd)
	f := cmd.Flags()
	f.StringVar(&identity, "identity", "", "certificate identity: an email address or a subject (SAN URI)")
	f.StringVar(&issuer, "issuer", "", "keep only certificates from this OIDC issuer (with --identity)")
	f.StringVar(&keyPath, "key", "", "PEM public key whose entries to list")
	f.StringVar(&format, "format", "", "text (default) or markdown")
	return cmd
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// writeTimeline prints a timeline as text; every foreign string sanitised.
func writeTimeline(w io.Writer, tl *inspect.Timeline) error {
	var s strings.Builder
	fmt.Fprintf(&s, "Timeline of %s in %s: %d entr%s\n", line(tl.Subject), line(tl.Log), len(tl.Events), map[bool]string{true: "y", false: "ies"}[len(tl.Events) == 1])
	if tl.Digest != "" {
		fmt.Fprintf(&s, "current digest %s\n", line(tl.Digest))
	}
	for _, e := range tl.Events {
		what := line(e.Kind)
		if e.PredicateType != "" {
			what += " " + line(e.PredicateType)
		}
		fmt.Fprintf(&s, "%s  #%-8d %-28s %s", ts(e.Time), e.LogIndex, safetext.Truncate(e.Signer.String(), 28), what)
		if e.Digest != "" {
			fmt.Fprintf(&s, "  %s", line(e.Digest))
			if !e.Current {
				s.WriteString(" (no tag points here any more)")
			}
		}
		if e.Checkpoint != nil {
			fmt.Fprintf(&s, "  covered by remembered checkpoint size %d", e.Checkpoint.Size)
		} else {
			s.WriteString("  not covered by a remembered checkpoint")
		}
		s.WriteString("\n")
	}
	if len(tl.Keys) > 0 {
		s.WriteString("Signers (first and last use):\n")
		for _, k := range tl.Keys {
			fmt.Fprintf(&s, "  %-40s %s (#%d) → %s (#%d), %d entr%s\n", safetext.Truncate(k.Signer, 40), ts(k.First), k.FirstIndex, ts(k.Last), k.LastIndex, k.Entries, map[bool]string{true: "y", false: "ies"}[k.Entries == 1])
		}
	}
	if len(tl.Certificates) > 0 {
		s.WriteString("Certificates (validity):\n")
		for _, c := range tl.Certificates {
			fmt.Fprintf(&s, "  %s (%s): %s → %s, used at #%d\n", line(c.Subject), line(c.Issuer), ts(c.NotBefore), ts(c.NotAfter), c.LogIndex)
		}
	}
	if len(tl.Moves) > 0 {
		s.WriteString("Moved tags (signed digests no tag points to any more):\n")
		for _, m := range tl.Moves {
			var signers []string
			for _, sg := range m.Signers {
				signers = append(signers, line(sg.String()))
			}
			if len(signers) == 0 {
				signers = []string{"no logged signature"}
			}
			fmt.Fprintf(&s, "  %s  (tag %s)  signed by %s, entries %v\n", line(m.Digest), line(m.SigTag), strings.Join(signers, ", "), m.Entries)
		}
	}
	for _, n := range tl.Notes {
		fmt.Fprintf(&s, "note: %s\n", line(n))
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// writeTimelineMarkdown prints a timeline as Markdown with
// safetext.Markdown on every foreign string.
func writeTimelineMarkdown(w io.Writer, tl *inspect.Timeline) error {
	md := safetext.Markdown
	var s strings.Builder
	fmt.Fprintf(&s, "# Timeline of %s\n\nLog: %s\n\n", md(tl.Subject), md(tl.Log))
	if tl.Digest != "" {
		fmt.Fprintf(&s, "Current digest: `%s`\n\n", md(tl.Digest))
	}
	s.WriteString("| Time | Log index | Signer | Kind | Digest | Remembered checkpoint |\n|---|---|---|---|---|---|\n")
	for _, e := range tl.Events {
		d := md(e.Digest)
		if e.Digest != "" && !e.Current {
			d += " (no tag points here any more)"
		}
		cp := "none"
		if e.Checkpoint != nil {
			cp = fmt.Sprintf("size %d", e.Checkpoint.Size)
		}
		fmt.Fprintf(&s, "| %s | %d | %s | %s | %s | %s |\n", ts(e.Time), e.LogIndex, md(e.Signer.String()), md(e.Kind), d, cp)
	}
	if len(tl.Keys) > 0 {
		s.WriteString("\n## Signers\n\n| Signer | First use | Last use | Entries |\n|---|---|---|---|\n")
		for _, k := range tl.Keys {
			fmt.Fprintf(&s, "| %s | %s (#%d) | %s (#%d) | %d |\n", md(k.Signer), ts(k.First), k.FirstIndex, ts(k.Last), k.LastIndex, k.Entries)
		}
	}
	if len(tl.Certificates) > 0 {
		s.WriteString("\n## Certificates\n\n| Subject | Issuer | Not before | Not after | Log index |\n|---|---|---|---|---|\n")
		for _, c := range tl.Certificates {
			fmt.Fprintf(&s, "| %s | %s | %s | %s | %d |\n", md(c.Subject), md(c.Issuer), ts(c.NotBefore), ts(c.NotAfter), c.LogIndex)
		}
	}
	if len(tl.Moves) > 0 {
		s.WriteString("\n## Moved tags\n\n| Digest | Signature tag | Signed by | Log indexes |\n|---|---|---|---|\n")
		for _, m := range tl.Moves {
			var signers []string
			for _, sg := range m.Signers {
				signers = append(signers, md(sg.String()))
			}
			fmt.Fprintf(&s, "| %s | %s | %s | %v |\n", md(m.Digest), md(m.SigTag), strings.Join(signers, ", "), m.Entries)
		}
	}
	for _, n := range tl.Notes {
		fmt.Fprintf(&s, "\n> %s\n", md(n))
	}
	_, err := io.WriteString(w, s.String())
	return err
}
