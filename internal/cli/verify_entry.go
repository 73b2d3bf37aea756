package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// newVerifyEntryCmd verifies a saved Rekor v1 entries response offline.
func newVerifyEntryCmd() *cobra.Command {
	var (
		out          outputFlag
		logKeyPath   string
		logName      string
		allowSETOnly bool
	)
	cmd := &cobra.Command{
		Use:   "verify-entry ENTRY.json --log-key PEM",
		Short: "Verify a saved Rekor entry offline: SET, inclusion proof, checkpoint",
		Long: `verify-entry verifies a saved "GET /api/v1/log/entries…" response (or a
single saved LogEntryAnon) offline, with the log's public key. It also reads
every file of a provscope export evidence set: a Sigstore bundle (its log
entry), a C2SP tlog-proof (leaf, checkpoint signature, inclusion), a signed
checkpoint, and evidence.json (derived again from the files beside it, each
of which is then verified):

  - the body's RFC 6962 leaf hash equals the entry UUID,
  - the log ID is the key's SHA-256,
  - the signed entry timestamp (SET) signs body, time and GLOBAL log index,
  - the inclusion proof leads from the leaf, at its SHARD-LOCAL index, to the root,
  - the checkpoint carrying that root is signed by the log and matches the proof.

It prints every step with its evidence and the hash walk with each node's
address (level,index), left/right inputs and whether the node is a perfect
subtree or an ephemeral right-border node.

Exit status: 0 verified, 1 verification failed, 2 usage or input error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if logKeyPath == "" {
				return usageErr(errors.New("--log-key is required (the log's PEM public key, e.g. rekor.sigstore.dev's)"))
			}
			keyPEM, err := readBounded(logKeyPath, maxKeyFile)
			if err != nil {
				return usageErr(fmt.Errorf("reading log key: %w", err))
			}
			if keyPEM, err = logKeyPEM(keyPEM); err != nil {
				return usageErr(fmt.Errorf("reading log key %s: %w", logKeyPath, err))
			}
			pub, err := proof.ParsePublicKeyPEM(keyPEM)
			if err != nil {
				return usageErr(fmt.Errorf("reading log key %s: %w", logKeyPath, err))
			}
			raw, err := readBounded(args[0], max(proof.MaxEntryResponseSize, proof.MaxTlogProofSize))
			if err != nil {
				return usageErr(fmt.Errorf("reading entry: %w", err))
			}
			keys := proof.LogKeys{Public: pub, Name: logName}
			opts := proof.EntryOptions{AllowSETOnly: allowSETOnly, Now: time.Now()}
			reports, err := evidenceReports(args[0], raw, keys, opts)
			if err != nil {
				return usageErr(err)
			}
			failedAny := false
			for _, rep := range reports {
				if rep.Result.Verdict() != model.VerdictVerified {
					failedAny = true
				}
			}
			w := cmd.OutOrStdout()
			if out.json() {
				err = writeJSON(w, report.EntriesDocOf(reports))
			} else {
				err = writeEntryReportsText(w, reports)
			}
			if err != nil {
				return err
			}
			if failedAny {
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	out.register(cmd)
	cmd.Flags().StringVar(&logKeyPath, "log-key", "", "public key of the log, PEM or a note verifier key (required)")
	cmd.Flags().StringVar(&logName, "log-name", "", "checkpoint signer name (default: the host in the checkpoint's origin)")
	cmd.Flags().BoolVar(&allowSETOnly, "allow-set-only", false, "accept entries without inclusion proof or checkpoint (trust the SET alone)")
	return cmd
}

// writeEntryReportsText prints each report's result and, when the entry
// had an inclusion proof, its hash walk.
func writeEntryReportsText(w io.Writer, reports []*proof.EntryReport) error {
	for i, rep := range reports {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := report.WriteResult(w, rep.Result); err != nil {
			return err
		}
		if rep.Inclusion != nil {
			if err := report.WriteHashWalk(w, rep.Inclusion, false); err != nil {
				return err
			}
		}
	}
	return nil
}
