package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/registry"
)

// newExportCmd writes an evidence set that re-verifies offline.
func newExportCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var dir string
	var logIndex int64
	cmd := &cobra.Command{
		Use:   "export (IMAGE | --log-index N) --out DIR",
		Short: "Write evidence that re-verifies offline: Sigstore bundles, tlog-proofs, checkpoints",
		Long: `export writes one evidence set into DIR for every log entry about IMAGE (as
search --image finds them) or for the entry at --log-index:

  entry-N.sigstore.json  a Sigstore bundle v0.3 (provscope verify-bundle;
                         cosign verify-blob --bundle for a signature's payload)
  entry-N.payload.json   the signed payload, when known (the bundle's artifact)
  entry-N.tlog-proof     a C2SP tlog-proof carrying the entry body
                         (provscope verify-entry --log-key)
  checkpoint-*.txt       every signed checkpoint the proofs lead to, and on a
                         fork or rollback the remembered checkpoint it
                         conflicts with (provscope verify-entry --log-key)
  evidence.json          what the files hold, derived from them: provscope
                         verify-entry DIR/evidence.json derives it again and
                         verifies every file

--output json prints evidence.json. Exit code 0 when something was exported,
1 when no logged entry was found, 2 for a usage or input error.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			hasIndex := cmd.Flags().Changed("log-index")
			switch {
			case ref == "" && !hasIndex, ref != "" && hasIndex:
				return usageErr(errors.New("give an IMAGE or --log-index N"))
			case hasIndex && logIndex < 0:
				return usageErr(fmt.Errorf("--log-index %d: want >= 0", logIndex))
			case dir == "":
				return usageErr(errors.New("--out DIR is required"))
			}
			if ref != "" {
				if _, _, _, err := inspect.ParseImageOrDigest(ref); err != nil {
					return usageErr(err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, inspect.EvidenceIndexFile)); err == nil {
				return usageErr(fmt.Errorf("%s already holds an evidence set: choose an empty directory", dir))
			}
			deps, err := exportDeps(cmd, &lf)
			if err != nil {
				return err
			}
			blobs, notes, err := inspect.ExportEvidence(cmd.Context(), deps, ref, logIndex)
			var in *inspect.DigestInputError
			switch {
			case errors.As(err, &in), err != nil && registry.IsNotFound(err):
				return usageErr(err)
			case err != nil:
				return failed(err)
			}
			if err := writeEvidence(dir, blobs); err != nil {
				return usageErr(err)
			}
			return reportExport(cmd.OutOrStdout(), cmd.ErrOrStderr(), dir, blobs, notes, out.json())
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().StringVar(&dir, "out", "", "directory to write the evidence set into (created if missing)")
	cmd.Flags().Int64Var(&logIndex, "log-index", 0, "export the entry at this global log index instead of an image's")
	return cmd
}

// writeEvidence writes the set's files into dir.
func writeEvidence(dir string, blobs []inspect.EvidenceBlob) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, b := range blobs {
		p := filepath.Join(dir, b.Name)
		if err := os.WriteFile(p, b.Data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

func reportExport(w, errw io.Writer, dir string, blobs []inspect.EvidenceBlob, notes []string, asJSON bool) error {
	var index []byte
	for _, b := range blobs {
		if b.Name == inspect.EvidenceIndexFile {
			index = b.Data
		}
	}
	entries := 0
	for _, b := range blobs {
		if strings.HasSuffix(b.Name, ".tlog-proof") {
			entries++
		}
	}
	if asJSON {
		for _, n := range notes {
			fmt.Fprintf(errw, "note: %s\n", line(n))
		}
		if _, err := w.Write(index); err != nil {
			return err
		}
	} else {
		var s strings.Builder
		fmt.Fprintf(&s, "%d entr%s exported to %s\n", entries, map[bool]string{true: "y", false: "ies"}[entries == 1], line(dir))
		for _, b := range blobs {
			fmt.Fprintf(&s, "  %s\n", line(b.Name))
		}
		for _, n := range notes {
			fmt.Fprintf(&s, "note: %s\n", line(n))
		}
		fmt.Fprintf(&s, "re-verify offline: provscope verify-entry %s --log-key LOG.pem\n", line(filepath.Join(dir, inspect.EvidenceIndexFile)))
		if _, err := io.WriteString(w, s.String()); err != nil {
			return err
		}
	}
	if entries == 0 {
		return failed(errors.New("no logged entry with an inclusion proof was found: nothing to re-verify"))
	}
	return nil
}
