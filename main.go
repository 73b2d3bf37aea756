// Command provscope inspects and verifies the supply-chain provenance of
// container images: an image in an OCI registry, its signatures,
// attestations and SBOMs, the Rekor transparency-log entries about them, their
// Merkle inclusion proofs, the signed checkpoints and the consistency between
// checkpoints. The command line itself lives in internal/cli.
//
// Exit codes: 0 when everything asked for verified, 1 when a verification
// failed, 2 for a usage or input error, 3 (verify, report) when signatures
// are intact and logged but no signer was pinned.
package main

import (
	"os"

	"github.com/provscope/provscope/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
