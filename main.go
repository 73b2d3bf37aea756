// Command provscope inspects and verifies the supply-chain provenance of
// container images: an image in an OCI registry, its signatures,
// attestations and SBOMs, the Rekor transparency-log entries about them, their
// Merkle inclusion proofs, the signed checkpoints and the consistency between
// checkpoints.
//
// Exit codes: 0 when everything asked for verified, 1 when a verification
// failed, 2 for a usage or input error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set with -ldflags "-X main.version=…"; otherwise the module
// version from the build info is used.
var version = ""

// Exit codes shared by every command.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsageErr = 2
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// failed wraps err so that provscope exits 1 (verification failed).
func failed(err error) error { return &exitError{code: exitFailed, err: err} }

// usageErr wraps err so that provscope exits 2 (usage or input error).
func usageErr(err error) error { return &exitError{code: exitUsageErr, err: err} }

// errSilentFailure makes provscope exit 1 after a command has already printed
// why (for example a verification report that shows the failing step).
var errSilentFailure = errors.New("verification failed")

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
		RunE:          runDefault,
	}
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
		newSignCmd(),
		newVerifyCmd(),
		newReportCmd(),
		newSearchCmd(),
		newGetCmd(),
		newLogInfoCmd(),
		newProofCmd(),
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

// run executes provscope with args and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
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
		fmt.Fprintln(stderr, "provscope:", err)
	}
	return code
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
