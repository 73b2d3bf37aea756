package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
)

func newDemoCmd() *cobra.Command {
	var dataDir string
	var noTUI bool
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
temporary directory is used and removed on exit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd, dataDir, noTUI)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "keep the log and client files in `DIR` across runs")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "serve the world and print how to reach it, without the explorer")
	return cmd
}

func runDemo(cmd *cobra.Command, dataDir string, noTUI bool) error {
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
	out := cmd.OutOrStdout()
	if !noTUI {
		err := runExplorer(cmd, explorerConfig{
			RegistryHost:    w.RegistryHost,
			LogURL:          w.LogURL,
			LogPublicKeyPEM: w.LogPublicKeyPEM,
			LogName:         "demo",
			TrustedRootPath: w.TrustedRootPath,
			// The world's own trust policy: its keys and keyless
			// identities; demo/rogue, signed by a key outside it, fails.
			Policy: inspect.Policy{Trusted: w.TrustedSigners()},
			// A throw-away world's log is new on every run: remembering its
			// checkpoints would only fill the state directory.
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
	printWorld(out, w, dataDir == "", keyPaths)
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

func printWorld(out io.Writer, w *demo.World, temp bool, keyPaths []string) {
	fmt.Fprintf(out, "provscope demo world ready in %v\n\n", w.ReadyIn.Round(1e6))
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  registry\t%s\t(plain HTTP on loopback)\n", w.RegistryHost)
	fmt.Fprintf(tw, "  log\t%s\t(Rekor v1 API)\n", w.LogURL)
	note := "(kept across runs)"
	if temp {
		note = "(removed on exit; keep it with --data DIR)"
	}
	fmt.Fprintf(tw, "  data\t%s\t%s\n", w.Dir, note)
	fmt.Fprintf(tw, "  log key\t%s\t\n", w.LogPublicKeyPath)
	fmt.Fprintf(tw, "  trusted root\t%s\t(the log, the demo CA and its CT log: for --trusted-root)\n", w.TrustedRootPath)
	fmt.Fprintf(tw, "  demo CA\t%s\t(CT log key %s)\n", w.FulcioRootPath, w.CTLogPublicKeyPath)
	for i, k := range w.Keys {
		role := "current key"
		if k.Name == "2025" {
			role = "rotated out"
		}
		priv := ""
		if i < len(keyPaths) {
			priv = ", private " + keyPaths[i]
		}
		fmt.Fprintf(tw, "  key %s\t%s\t(%s, sha256 %s…%s)\n", k.Name, k.PublicKeyPath, role, k.Fingerprint[:16], priv)
	}
	tw.Flush()

	fmt.Fprintf(out, "\nLog public key:\n%s\n", strings.TrimSpace(string(w.LogPublicKeyPEM)))
	for _, k := range w.Keys {
		fmt.Fprintf(out, "Signing key %s:\n%s\n", k.Name, strings.TrimSpace(string(k.PublicKeyPEM)))
	}

	cur, _ := w.Key("2026")
	byName := map[string]demo.Case{}
	for _, c := range w.Cases {
		byName[c.Name] = c
	}
	fmt.Fprintf(out, `
Point the clients at it (in another shell):
  export SIGSTORE_REKOR_PUBLIC_KEY=%[1]s
  export COSIGN_REKOR_URL=%[2]s COSIGN_PASSWORD=
  export REKOR_REKOR_SERVER=%[2]s
  export REKOR_REKOR_SERVER_PUBLIC_KEY="$(cat %[1]s)"

  crane catalog %[3]s
  crane ls %[3]s/demo/web
  cosign tree --experimental-oci11 %[4]s
  cosign verify --key %[5]s %[4]s
  cosign verify-attestation --key %[5]s --type slsaprovenance %[4]s
  cosign verify --key %[5]s --new-bundle-format --trusted-root %[6]s %[7]s
  cosign verify --key %[5]s %[8]s      # fails: stealth signing, never logged
  cosign verify --certificate-identity %[10]s --certificate-oidc-issuer %[11]s --trusted-root %[6]s %[12]s
  SIGSTORE_ROOT_FILE=%[13]s SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=%[14]s cosign verify-attestation --type slsaprovenance --certificate-identity %[15]s --certificate-oidc-issuer %[16]s %[17]s
  rekor-cli loginfo
  rekor-cli get --log-index 0
  cosign sign --key %[9]s %[3]s/demo/worker:v0.9.0   # sign the unsigned image yourself

`, w.LogPublicKeyPath, w.LogURL, w.RegistryHost, byName["signed-legacy"].Image, cur.PublicKeyPath,
		w.TrustedRootPath, byName["signed-bundle"].Image, byName["stealth"].Image, strings.TrimSuffix(cur.PublicKeyPath, ".pub")+".key",
		byName["keyless"].Identity, byName["keyless"].Issuer, byName["keyless"].Image,
		w.FulcioRootPath, w.CTLogPublicKeyPath, byName["keyless-ci"].Identity, byName["keyless-ci"].Issuer, byName["keyless-ci"].Image)

	fmt.Fprintf(out, "Trust policy (the explorer pins it): %s. demo/rogue is signed and logged by a key outside it.\n", signerLabel(inspect.Policy{Trusted: w.TrustedSigners()}))
	fmt.Fprintln(out, "Without --key or an identity, verify says unpinned (exit 3), never verified.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "The world (what verification must say):")
	tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  IMAGE\tKEY OR IDENTITY\tEXPECT\tSPECIAL")
	for _, c := range w.Cases {
		img := strings.TrimPrefix(c.Image, w.RegistryHost+"/")
		signer := c.Key
		if c.Keyless() {
			signer = c.Identity
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", img, signer, c.Expect, c.Special)
	}
	tw.Flush()
	fmt.Fprintln(out, "\nPress Ctrl-C to stop.")
}
