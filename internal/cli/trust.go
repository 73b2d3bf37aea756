package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/trust"
)

func newTrustCmd() *cobra.Command {
	var (
		refresh bool
		tufURL  string
		tufRoot string
		out     outputFlag
	)
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Show the Sigstore trust root in use and where each key and log comes from",
		Long: `trust loads Sigstore's trust root (trusted_root.json) and signing config
through TUF, as cosign does: from the cache under $XDG_CACHE_HOME/provscope/tuf
when it is less than a day old, else from the TUF repository
(tuf-repo-cdn.sigstore.dev unless --tuf-url). When the repository cannot be
reached or is refused (bad signature, rolled-back version), the cache is used,
then the root compiled into provscope, marked "not refreshed".

It lists every Rekor log, CT log, Fulcio CA and timestamp authority of the
root with where it came from, and the Rekor v2 shard the signing config names
as current.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			opts := trust.Options{URL: tufURL, Refresh: refresh}
			if tufRoot != "" {
				b, err := readFileBounded(tufRoot, maxTUFRootBytes)
				if err != nil {
					return usageErr(fmt.Errorf("reading --tuf-root: %w", err))
				}
				opts.InitialRoot = b
			}
			m, err := trust.Load(opts)
			if err != nil {
				if tufURL != "" && tufRoot == "" {
					return usageErr(fmt.Errorf("--tuf-url %s needs --tuf-root ROOT.json (its trust anchor): %w", tufURL, err))
				}
				return failed(fmt.Errorf("loading the trust root: %w", err))
			}
			return printTrust(cmd.OutOrStdout(), m, time.Now(), out.json())
		},
	}
	cmd.Flags().BoolVar(&refresh, "refresh", false, "ask the TUF repository now, even if the cache is fresh")
	cmd.Flags().StringVar(&tufURL, "tuf-url", "", "TUF repository URL (default Sigstore's public-good tuf-repo-cdn.sigstore.dev)")
	cmd.Flags().StringVar(&tufRoot, "tuf-root", "", "initial root.json of the --tuf-url repository (its trust anchor)")
	out.register(cmd)
	return cmd
}

// trustReport is the JSON form of `provscope trust`.
type trustReport struct {
	Material       *trust.Material `json:"material"`
	Marker         string          `json:"marker,omitempty"`
	CurrentRekorV2 *trust.Current  `json:"currentRekorV2,omitempty"`
	Keys           []trustKey      `json:"keys"`
}

type trustKey struct {
	trust.Key
	// From says where the key came from: "tuf targets vN", "cache targets vN"
	// or "embedded".
	From string `json:"from"`
}

func trustFrom(m *trust.Material) string {
	if m.Source == trust.SourceEmbedded {
		return "embedded"
	}
	return fmt.Sprintf("%s targets v%d", m.Source, m.TargetsVersion)
}

func printTrust(w io.Writer, m *trust.Material, now time.Time, asJSON bool) error {
	keys, err := m.Keys()
	if err != nil {
		return failed(err)
	}
	rep := trustReport{Material: m, Marker: m.Marker(), Keys: make([]trustKey, len(keys))}
	from := trustFrom(m)
	for i, k := range keys {
		rep.Keys[i] = trustKey{Key: k, From: from}
	}
	if c, err := m.CurrentRekorV2(now); err == nil {
		rep.CurrentRekorV2 = &c
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	var b strings.Builder
	switch m.Source {
	case trust.SourceEmbedded:
		fmt.Fprintf(&b, "trust root: embedded in provscope (as of %s)\n", m.AsOf.Format(time.DateOnly))
	default:
		fmt.Fprintf(&b, "trust root: %s %s\n", m.Source, safetext.Line(m.URL))
		fmt.Fprintf(&b, "  TUF root v%d, targets v%d, snapshot v%d, timestamp v%d (expires %s)\n",
			m.RootVersion, m.TargetsVersion, m.SnapshotVersion, m.TimestampVersion, m.Expires.Format(time.DateOnly))
		fmt.Fprintf(&b, "  fetched %s\n", m.AsOf.UTC().Format("2006-01-02 15:04 MST"))
	}
	if mk := m.Marker(); mk != "" {
		fmt.Fprintf(&b, "  ! %s: %s\n", mk, safetext.Line(m.RefreshError))
	}
	if rep.CurrentRekorV2 != nil {
		fmt.Fprintf(&b, "current Rekor v2: %s (from the %s)\n", safetext.Line(rep.CurrentRekorV2.URL), rep.CurrentRekorV2.From)
	} else {
		b.WriteString("current Rekor v2: none named\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tURL\tKEY ID\tVALID\tFROM")
	for _, k := range rep.Keys {
		id := k.KeyID
		if len(id) > 16 {
			id = id[:16] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Kind, safetext.Truncate(k.URL, 60), id, validity(k.ValidFrom, k.ValidUntil), k.From)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func validity(from, until time.Time) string {
	s := "—"
	if !from.IsZero() {
		s = from.UTC().Format(time.DateOnly)
	}
	s += " →"
	if !until.IsZero() {
		s += " " + until.UTC().Format(time.DateOnly)
	}
	return s
}
