package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

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
				err = writeJSON(w, entryReportsJSON(reports))
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

// Text rendering.

func short(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// writeHashWalk prints an inclusion trace: the leaf, each hash step with
// its node address, inputs and kind, and the root comparison.
func writeHashWalk(w io.Writer, tr *proof.InclusionTrace) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Hash walk: leaf %d of a tree of %d, %d step(s)\n", tr.Index, tr.Size, len(tr.Steps))
	fmt.Fprintf(&b, "  leaf  %-14s %s\n", proof.NodeAddr{Index: tr.Index}.String(), hex.EncodeToString(tr.LeafHash))
	prev := uint(0)
	for i, s := range tr.Steps {
		if s.Node.Level > prev+1 {
			fmt.Fprintf(&b, "        levels %d–%d: the node has no sibling on the right border and moves up unchanged\n", prev+1, s.Node.Level-1)
		}
		prev = s.Node.Level
		kind := "perfect"
		if s.Ephemeral {
			kind = "ephemeral"
		}
		left, right := "path", "path"
		if s.ProofIndex >= 0 {
			if s.SiblingOnLeft {
				left = fmt.Sprintf("proof[%d]", s.ProofIndex)
			} else {
				right = fmt.Sprintf("proof[%d]", s.ProofIndex)
			}
		}
		fmt.Fprintf(&b, "  %4d  %-14s %-9s H(%s %s ‖ %s %s) = %s\n", i+1, s.Node.String(), kind,
			left, short(s.Left), right, short(s.Right), hex.EncodeToString(s.Out))
	}
	mark := "✓ matches"
	if !tr.Matches() {
		mark = "✗ does not match"
	}
	fmt.Fprintf(&b, "  root  %-14s computed %s\n", proof.RootAddr(tr.Size).String(), hex.EncodeToString(tr.Computed))
	fmt.Fprintf(&b, "        %-14s expected %s %s\n", "", hex.EncodeToString(tr.Expected), mark)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeEntryReportsText(w io.Writer, reports []*proof.EntryReport) error {
	for i, rep := range reports {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := writeStepReport(w, rep.Result); err != nil {
			return err
		}
		if rep.Inclusion != nil {
			if err := writeHashWalk(w, rep.Inclusion); err != nil {
				return err
			}
		}
	}
	return nil
}

// JSON rendering.

type hashStepJSON struct {
	Level         uint   `json:"level"`
	Index         uint64 `json:"index"`
	Left          string `json:"left"`
	Right         string `json:"right"`
	Out           string `json:"out"`
	ProofIndex    int    `json:"proofIndex"`
	SiblingOnLeft bool   `json:"siblingOnLeft"`
	Ephemeral     bool   `json:"ephemeral"`
}

type inclusionTraceJSON struct {
	Index    uint64         `json:"index"`
	Size     uint64         `json:"treeSize"`
	LeafHash string         `json:"leafHash"`
	Steps    []hashStepJSON `json:"steps"`
	Computed string         `json:"computedRoot"`
	Expected string         `json:"expectedRoot"`
	Matches  bool           `json:"matches"`
}

type entryReportJSON struct {
	Subject   string              `json:"subject"`
	Verdict   model.Verdict       `json:"verdict"`
	Reason    string              `json:"reason"`
	Steps     []model.Step        `json:"steps"`
	LeafHash  string              `json:"leafHash"`
	Inclusion *inclusionTraceJSON `json:"inclusionTrace,omitempty"`
}

func hashStepsJSON(steps []proof.HashStep) []hashStepJSON {
	out := make([]hashStepJSON, 0, len(steps))
	for _, s := range steps {
		out = append(out, hashStepJSON{
			Level: s.Node.Level, Index: s.Node.Index,
			Left: hex.EncodeToString(s.Left), Right: hex.EncodeToString(s.Right), Out: hex.EncodeToString(s.Out),
			ProofIndex: s.ProofIndex, SiblingOnLeft: s.SiblingOnLeft, Ephemeral: s.Ephemeral,
		})
	}
	return out
}

func entryReportsJSON(reports []*proof.EntryReport) any {
	out := struct {
		Verdict model.Verdict     `json:"verdict"`
		Entries []entryReportJSON `json:"entries"`
	}{Verdict: model.VerdictVerified}
	for _, rep := range reports {
		r := rep.Result
		j := entryReportJSON{Subject: r.Subject, Verdict: r.Verdict(), Reason: r.Reason(), Steps: r.Steps, LeafHash: hex.EncodeToString(rep.LeafHash)}
		if r.Verdict() != model.VerdictVerified {
			out.Verdict = model.VerdictFailed
		}
		if tr := rep.Inclusion; tr != nil {
			j.Inclusion = &inclusionTraceJSON{
				Index: tr.Index, Size: tr.Size, LeafHash: hex.EncodeToString(tr.LeafHash),
				Steps:    hashStepsJSON(tr.Steps),
				Computed: hex.EncodeToString(tr.Computed), Expected: hex.EncodeToString(tr.Expected), Matches: tr.Matches(),
			}
		}
		out.Entries = append(out.Entries, j)
	}
	return out
}
