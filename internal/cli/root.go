// Package cli is provscope's command line: the root command, the shared
// flags (output, policy, log, registry, trust), bounded file reads, exit
// codes, and one file per command. Package main only calls Main.
//
// Exit codes: 0 when everything asked for verified, 1 when a verification
// failed, 2 for a usage or input error, 3 (verify, report) when signatures
// are intact and logged but no signer was pinned.
package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/safetext"
)

// version is set with -ldflags
// "-X github.com/provscope/provscope/internal/cli.version=…"; otherwise the
// module version from the build info is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "provscope [IMAGE]",
		Short: "Inspect and verify container image provenance in Sigstore transparency logs",
		Long: `provscope follows an image through its whole chain of evidence:
image → signatures, attestations, SBOMs → Rekor log entries → Merkle inclusion
proof → signed checkpoint → consistency with checkpoints seen before.

Run it without arguments for the explorer, "provscope demo" for an offline
world to try it on, or one of the commands below in a pipeline.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.MaximumNArgs(1),
	}
	// provscope IMAGE opens the explorer with provscope tui's flags.
	var cfg explorerConfig
	var signer policyFlags
	registerExplorerFlags(root, &cfg, &signer)
	root.RunE = func(cmd *cobra.Command, args []string) error { return runDefault(cmd, args, cfg, signer) }
	// provscope --version prints what provscope version does.
	root.Version = buildVersion()
	root.SetVersionTemplate("provscope {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVersionCmd(),
		newServeCmd(),
		newDemoCmd(),
		newTUICmd(),
		newLearnCmd(),
		newSSHCmd(),
		newVerifyBundleCmd(),
		newVerifyEntryCmd(),
		newVerifyCheckpointCmd(),
		newExportCmd(),
		newTimelineCmd(),
		newSignCmd(),
		newVerifyCmd(),
		newReportCmd(),
		newSearchCmd(),
		newGetCmd(),
		newLogInfoCmd(),
		newProofCmd(),
		newMirrorCmd(),
		newAuditCmd(),
		newWatchCmd(),
		newTrustCmd(),
	)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print provscope's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "provscope", buildVersion())
			return err
		},
	}
}

// Main runs provscope with args (without the program name), writing to
// stdout and stderr, and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int { return run(args, stdout, stderr) }

// run executes provscope with args and returns the process exit code.
// Everything it writes to stdout and stderr goes through safetext.NewWriter:
// whatever a printer forgot to sanitise, only provscope's own SGR styling
// reaches the terminal (the second line of defence; the printers' own
// safetext calls are the first).
func run(args []string, stdout, stderr io.Writer) int {
	return execute(newRootCmd, args, stdout, stderr, true)
}

// execute runs the command tree that build returns (newRootCmd) with args;
// filter says whether stdout and stderr go through safetext.NewWriter. Only
// tests pass false, to hold the printers' own sanitising to the same rules
// without the second line of defence, or another build, to prove that the
// filter catches what a printer forgot.
func execute(build func(stdout, stderr io.Writer) *cobra.Command, args []string, stdout, stderr io.Writer, filter bool) int {
	if filter {
		fout, ferr := safetext.NewWriter(stdout), safetext.NewWriter(stderr)
		defer func() { _, _ = fout.Flush(), ferr.Flush() }()
		stdout, stderr = fout, ferr
	}
	root := build(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	code := exitUsageErr
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if !errors.Is(err, errSilentFailure) {
		fmt.Fprintln(stderr, "provscope:", safetext.Line(err.Error()))
	}
	return code
}

// terminalOut returns the command's stdout without the safetext filter, for
// the one path that must drive the terminal itself: a Bubble Tea program
// (the explorer, learn) moves the cursor and switches screens, and filters
// each frame it draws with safetext.Frame instead. Nothing else may use it.
func terminalOut(cmd *cobra.Command) io.Writer {
	out := cmd.OutOrStdout()
	if sw, ok := out.(*safetext.Writer); ok {
		_ = sw.Flush()
		return sw.Unwrap()
	}
	return out
}

// terminalErr is terminalOut for stderr: only report's progress bar uses
// it, to redraw its line with a carriage return; it prints no foreign text.
func terminalErr(cmd *cobra.Command) io.Writer {
	errw := cmd.ErrOrStderr()
	if sw, ok := errw.(*safetext.Writer); ok {
		_ = sw.Flush()
		return sw.Unwrap()
	}
	return errw
}

// runDefault is provscope with no subcommand: the explorer on the image
// given (its registry is the image's host), or, with nothing given, an
// offer to start the offline demo world.
//
// It takes provscope tui's flags (registerExplorerFlags); --registry, when
// given, must be the image's host.
func runDefault(cmd *cobra.Command, args []string, cfg explorerConfig, signer policyFlags) error {
	if len(args) == 1 {
		host, rest, ok := splitImageHost(args[0], cfg.RegistryHost)
		if !ok {
			return usageErr(fmt.Errorf("image %q has no registry host (or not --registry's); want HOST/REPO[:TAG|@DIGEST]", safetext.Line(args[0])))
		}
		cfg.RegistryHost, cfg.Image = host, rest
		return startExplorer(cmd, cfg, signer)
	}
	if cfg.RegistryHost == "" {
		cfg.RegistryHost = os.Getenv("PROVSCOPE_REGISTRY")
	}
	if cfg.RegistryHost != "" || cfg.Fake {
		return startExplorer(cmd, cfg, signer)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintln(out, "provscope: no image or registry given ($PROVSCOPE_REGISTRY is unset).")
	fmt.Fprintln(out, "  provscope HOST/REPO:TAG                 explore one image")
	fmt.Fprintln(out, "  provscope tui --registry HOST [--log L] browse a registry")
	fmt.Fprintln(out, "  provscope demo                          the offline demo world")
	fmt.Fprint(out, "\nStart the offline demo world now? [Y/n] ")
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" { // no answer (not a terminal): do nothing
		fmt.Fprintln(out)
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "", "y", "yes":
		return runDemo(cmd, "", false, defaultDemoGrow)
	}
	return nil
}
