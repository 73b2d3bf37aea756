package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
)

// defaultDemoGrow is how often the demo world logs a fresh entry unless
// --grow says otherwise.
const defaultDemoGrow = 10 * time.Second

func newDemoCmd() *cobra.Command {
	var dataDir string
	var noTUI bool
	var grow time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the offline demo world (registry + log + seeded images) and open the explorer",
		Long: `demo starts an OCI registry and a Rekor-compatible log on 127.0.0.1, seeds
them with a fixed world of images (validly signed in cosign's legacy and new
bundle formats, a key rotation, a SLSA provenance attestation, SBOMs, keyless
signatures by a person and by a CI workflow from the demo's own Fulcio-style
CA, a tampered signature, a signature never logged, an unsigned image, a tag
moved after signing, an entry logged twice, an image signed and logged by a
key nobody trusts) and opens the explorer on it.

The explorer pins the world's own trust policy: its two keys and its two
keyless identities (shown in the header). P changes it.

With --no-tui it only serves the world and prints how to point cosign, crane
and rekor-cli at it, until Ctrl-C. With --data the log (its key and entries)
and the files for the clients are kept in DIR across runs; otherwise a
temporary directory is used and removed on exit.

The log grows while you watch: every --grow interval (default 10s; 0 stops
it) the world logs a fresh build record signed by its 2026 key, so the
explorer's c (or loginfo run twice) proves a bigger tree consistent with the
one seen before, with the proof's hashes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd, dataDir, noTUI, grow)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "keep the log and client files in `DIR` across runs")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "serve the world and print how to reach it, without the explorer")
	cmd.Flags().DurationVar(&grow, "grow", defaultDemoGrow, "log a fresh signed entry every `INTERVAL` (0: the log stays as seeded)")
	return cmd
}

func runDemo(cmd *cobra.Command, dataDir string, noTUI bool, grow time.Duration) error {
	if grow < 0 {
		return usageErr(fmt.Errorf("--grow %v: want 0 or more", grow))
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	w, err := demo.Start(ctx, demo.Options{Dir: dataDir})
	if err != nil {
		return failed(fmt.Errorf("starting the demo world: %w", err))
	}
	defer w.Close()
	w.Grow(ctx, grow, time.Now, nil)
	out := cmd.OutOrStdout()
	if !noTUI {
		err := runExplorer(cmd, explorerConfig{
			RegistryHost:    w.RegistryHost,
			LogURL:          w.LogURL,
			LogPublicKeyPEM: w.LogPublicKeyPEM,
			LogName:         "demo",
			TrustedRootPath: w.TrustedRootPath,
			// The world's own trust policy: its keys and keyless
			// identities; demo/z-rogue, signed by a key outside it, fails.
			Policy: inspect.Policy{Trusted: w.TrustedSigners()},
			// A throw-away world's log is new on every run: remembering its
			// checkpoints would only fill the state directory. The
			// explorer still proves each new head consistent with the
			// first one it saw, as the log grows.
			ForgetCheckpoints: dataDir == "",
		})
		if err == nil || !explorerUnavailable(err) {
			return err
		}
		fmt.Fprintf(out, "(%v: serving the world instead)\n\n", err)
	}
	// cosign reads COSIGN_PASSWORD; the demo keys use an empty password.
	keyPaths, err := w.WritePrivateKeys(nil)
	if err != nil {
		return failed(err)
	}
	printWorld(out, w, dataDir == "", keyPaths, grow)
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping the demo world")
	return nil
}

// explorerUnavailable reports whether runExplorer declined because the
// explorer (or its adapter) is not there yet.
func explorerUnavailable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "not built yet") || strings.Contains(s, "not wired yet")
}

// printWorld prints where the world is and how to reach it. Every line fits
// 100 columns (with a data directory path of up to about 40 characters):
// the commands name the data directory and the servers through the
// variables its export lines set, and readme_commands_test.go runs every
// provscope command it prints, as printed.
func printWorld(out io.Writer, w *demo.World, temp bool, keyPaths []string, grow time.Duration) {
	fmt.Fprintf(out, "The provscope demo world is ready (in %v).\n\n", w.ReadyIn.Round(1e6))
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  registry\t%s\t(plain HTTP on loopback)\n", w.RegistryHost)
	growing := "stays as seeded: --grow 0"
	if grow > 0 {
		growing = fmt.Sprintf("grows by one entry every %v", grow)
	}
	fmt.Fprintf(tw, "  log\t%s\t(Rekor v1 API; %s)\n", w.LogURL, growing)
	note := "(kept across runs)"
	if temp {
		note = "(removed on exit; keep it with --data DIR)"
	}
	fmt.Fprintf(tw, "  data ($DEMO)\t%s\t%s\n", w.Dir, note)
	fmt.Fprintf(tw, "  log key\t$DEMO/%s\t\n", filepath.Base(w.LogPublicKeyPath))
	fmt.Fprintf(tw, "  trusted root\t$DEMO/%s\t(the log, demo CA and CT log)\n", filepath.Base(w.TrustedRootPath))
	fmt.Fprintf(tw, "  demo CA\t$DEMO/%s\t(CT log key $DEMO/%s)\n", filepath.Base(w.FulcioRootPath), filepath.Base(w.CTLogPublicKeyPath))
	for i, k := range w.Keys {
		role := "current"
		if k.Name == "2025" {
			role = "rotated out"
		}
		path := "$DEMO/" + filepath.Base(k.PublicKeyPath)
		if i < len(keyPaths) {
			path += ", " + filepath.Base(keyPaths[i]) // cosign's encrypted format, empty password
		}
		fmt.Fprintf(tw, "  key %s\t%s\t(%s, sha256 %s…)\n", k.Name, path, role, k.Fingerprint[:16])
	}
	tw.Flush()

	fmt.Fprintf(out, "\nLog public key:\n%s\n", strings.TrimSpace(string(w.LogPublicKeyPEM)))
	for _, k := range w.Keys {
		fmt.Fprintf(out, "Signing key %s:\n%s\n", k.Name, strings.TrimSpace(string(k.PublicKeyPEM)))
	}

	byName := map[string]demo.Case{}
	for _, c := range w.Cases {
		byName[c.Name] = c
	}
	img := func(name string) string {
		return "$PROVSCOPE_REGISTRY/" + strings.TrimPrefix(byName[name].Image, w.RegistryHost+"/")
	}
	alice, ci := byName["keyless"], byName["keyless-ci"]
	fmt.Fprintf(out, `
Point the clients at it (paste into another shell):
  export DEMO=%[1]s
  export PROVSCOPE_LOG=%[2]s PROVSCOPE_REGISTRY=%[3]s
  export COSIGN_REKOR_URL=$PROVSCOPE_LOG COSIGN_PASSWORD= SIGSTORE_REKOR_PUBLIC_KEY=$DEMO/log.pub
  export REKOR_REKOR_SERVER=$PROVSCOPE_LOG REKOR_REKOR_SERVER_PUBLIC_KEY="$(cat $DEMO/log.pub)"

With provscope (exit 0 verified, 1 failed or not logged, 3 unpinned):
  provscope verify --key $DEMO/key-2026.pub %[4]s
  provscope verify %[4]s   # unpinned: exit 3
  provscope verify --key $DEMO/key-2026.pub %[5]s   # exit 1
  provscope verify --key $DEMO/key-2026.pub %[6]s   # rogue: exit 1
  provscope verify --certificate-identity %[7]s \
    --certificate-oidc-issuer %[8]s \
    --trusted-root $DEMO/trusted_root.json %[9]s
  provscope search --image %[4]s
  provscope proof --log-index 0
  provscope loginfo    # twice, a little apart: the log grew; proves it consistent
  provscope %[4]s    # the explorer on it

With cosign, crane and rekor-cli:
  crane catalog $PROVSCOPE_REGISTRY
  crane ls $PROVSCOPE_REGISTRY/demo/web
  cosign tree --experimental-oci11 %[4]s
  cosign verify --key $DEMO/key-2026.pub %[4]s
  cosign verify-attestation --key $DEMO/key-2026.pub --type slsaprovenance \
    %[4]s
  cosign verify --key $DEMO/key-2026.pub --new-bundle-format \
    --trusted-root $DEMO/trusted_root.json %[10]s
  cosign verify --key $DEMO/key-2026.pub %[5]s   # never logged
  cosign verify --certificate-identity %[7]s \
    --certificate-oidc-issuer %[8]s \
    --trusted-root $DEMO/trusted_root.json %[9]s
  SIGSTORE_ROOT_FILE=$DEMO/fulcio.crt.pem SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=$DEMO/ctfe.pub \
    cosign verify-attestation --type slsaprovenance \
    --certificate-identity \
    %[11]s \
    --certificate-oidc-issuer %[12]s \
    %[13]s
  rekor-cli loginfo
  rekor-cli get --log-index 0
  cosign sign --key $DEMO/key-2026.key $PROVSCOPE_REGISTRY/demo/worker:v0.9.0   # sign it yourself

`, w.Dir, w.LogURL, w.RegistryHost, img("signed-legacy"), img("stealth"), img("rogue-key"),
		alice.Identity, alice.Issuer, img("keyless"), img("signed-bundle"),
		ci.Identity, ci.Issuer, img("keyless-ci"))

	fmt.Fprintf(out, "Trust policy (the explorer pins it): %s.\n", signerLabel(inspect.Policy{Trusted: w.TrustedSigners()}))
	fmt.Fprintln(out, "demo/z-rogue is signed and logged by a key outside it.")
	fmt.Fprintln(out, "Without --key or an identity, verify says unpinned (exit 3), never verified.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "The world (what verification must say; README.md says what is special about each):")
	tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  IMAGE\tVERIFY WITH\tEXPECT")
	names := map[string]string{}
	for _, ts := range w.TrustedSigners() {
		names[ts.Identity] = ts.Name
	}
	for _, c := range w.Cases {
		signer := "key " + c.Key
		switch {
		case c.Keyless():
			signer = names[c.Identity] + " (keyless)"
		case c.Format == "":
			signer = "—"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.TrimPrefix(c.Image, w.RegistryHost+"/"), signer, c.Expect)
	}
	tw.Flush()
	fmt.Fprintln(out, "\nPress Ctrl-C to stop.")
}
