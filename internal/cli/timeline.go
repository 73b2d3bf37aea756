package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
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
				return report.WriteTimelineMarkdown(w, tl)
			}
			return report.WriteTimeline(w, tl)
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
