package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/trust"
)

// trustFlags choose where the Sigstore trust root comes from when no
// --trusted-root file is given: Sigstore's TUF repository through the
// cache (package trust), else the root compiled into provscope.
//
// The environment gives the same: $PROVSCOPE_TUF_URL and $PROVSCOPE_TUF_ROOT
// (a private Sigstore), and $PROVSCOPE_TUF_OFFLINE=1 never asks the
// repository (the cache, else the embedded root, marked not refreshed).
type trustFlags struct {
	refresh bool
	tufURL  string
	tufRoot string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.refresh, "refresh-trust", false, "ask the TUF repository for the trust root now, even if the cache is fresh")
	fl.StringVar(&f.tufURL, "tuf-url", "", "TUF repository `URL` for the trust root (default $PROVSCOPE_TUF_URL, else Sigstore's public good)")
	fl.StringVar(&f.tufRoot, "tuf-root", "", "initial root.json `FILE` of --tuf-url (default $PROVSCOPE_TUF_ROOT)")
}

// options builds trust.Options from the flags and the environment.
func (f *trustFlags) options(getenv func(string) string) (trust.Options, error) {
	opts := trust.Options{URL: f.tufURL, Refresh: f.refresh, Offline: getenv("PROVSCOPE_TUF_OFFLINE") != ""}
	if opts.URL == "" {
		opts.URL = getenv("PROVSCOPE_TUF_URL")
	}
	root := f.tufRoot
	if root == "" {
		root = getenv("PROVSCOPE_TUF_ROOT")
	}
	if root != "" {
		b, err := readFileBounded(root, maxTUFRootBytes)
		if err != nil {
			return opts, usageErr(fmt.Errorf("reading the TUF root: %w", err))
		}
		opts.InitialRoot = b
	}
	return opts, nil
}

// load returns the trust material: the cache, refreshed through TUF when it
// is stale or --refresh-trust is given, else the embedded root (Stale).
func (f *trustFlags) load() (*trust.Material, error) {
	opts, err := f.options(os.Getenv)
	if err != nil {
		return nil, err
	}
	m, err := trust.Load(opts)
	if err != nil {
		if opts.URL != "" && len(opts.InitialRoot) == 0 {
			return nil, usageErr(fmt.Errorf("TUF repository %s needs --tuf-root ROOT.json (its trust anchor): %w", opts.URL, err))
		}
		return nil, failed(fmt.Errorf("loading the trust root: %w", err))
	}
	return m, nil
}

// trustedRoot is what verifying needs from m: the trusted_root.json to
// verify with (nil: the embedded one, which is what m holds then) and the
// logs it lists, the Rekor v2 shard its signing config names as current
// aliased "rekor-v2" (nil with the embedded root: logs.Builtin lists it).
func trustedRoot(m *trust.Material, now time.Time) ([]byte, []logs.Log, error) {
	if m.Source == trust.SourceEmbedded {
		return nil, nil, nil
	}
	current := ""
	if c, err := m.CurrentRekorV2(now); err == nil {
		current = c.URL
	}
	v1, err := m.RekorV1URLs()
	if err != nil {
		return nil, nil, failed(fmt.Errorf("reading the trust root's logs: %w", err))
	}
	l, err := logs.FromTrust(m.TrustedRoot, current, v1...)
	if err != nil {
		return nil, nil, failed(fmt.Errorf("reading the trust root's logs: %w", err))
	}
	return m.TrustedRoot, l, nil
}

// printTrustMarker writes the trust marker open set, as one line: into the
// text output, or on stderr when stdout is JSON or a report (whose format
// is fixed).
func (p *policyFlags) printTrustMarker(cmd *cobra.Command, toStderr bool) {
	w := cmd.OutOrStdout()
	if toStderr {
		w = cmd.ErrOrStderr()
	}
	for _, m := range []string{p.trustMarker, p.logKeyMarker} {
		if m != "" {
			fmt.Fprintf(w, "Note: %s\n", safetext.Line(m))
		}
	}
}
