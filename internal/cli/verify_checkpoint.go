package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// newVerifyCheckpointCmd verifies a signed checkpoint (signed note).
func newVerifyCheckpointCmd() *cobra.Command {
	var (
		out          outputFlag
		keyArgs      []string
		witnessArgs  []string
		keyName      string
		origin       string
		minWitnesses int
	)
	cmd := &cobra.Command{
		Use:   "verify-checkpoint NOTE --key KEY...",
		Short: "Verify a signed checkpoint (Rekor v1/v2, C2SP tlog-checkpoint, sum.golang.org)",
		Long: `verify-checkpoint verifies a signed note holding a checkpoint (C2SP
tlog-checkpoint): Rekor v1 signed tree heads (ECDSA), Rekor v2 and other C2SP
logs (Ed25519, ECDSA), sum.golang.org tree notes, with optional witness
cosignatures (C2SP tlog-cosignature).

KEY is a note verifier key string (name+hash+base64, e.g. the
sum.golang.org key), a file holding one, or a PEM public key file of a log;
a PEM key is named after the host in the note's origin ("<host> - <treeID>"
for Rekor v1) unless --key-name is given. NOTE is a file, or - for stdin.

A signature line is matched to a key by name and key hash; lines from unknown
keys are listed and ignored; a known key whose signature does not verify fails
the note.

Exit status: 0 verified, 1 verification failed, 2 usage or input error
(including a malformed note or one larger than 1 MiB).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if len(keyArgs) == 0 {
				return usageErr(errors.New("at least one --key is required"))
			}
			if minWitnesses < 0 {
				return usageErr(fmt.Errorf("--min-witnesses %d is negative", minWitnesses))
			}
			msg, err := readBounded(args[0], proof.MaxNoteSize)
			if err != nil {
				return usageErr(fmt.Errorf("reading note: %w", err))
			}
			var keys []proof.NoteKey
			for _, k := range keyArgs {
				nk, err := loadNoteKey(k, keyName, msg)
				if err != nil {
					return usageErr(fmt.Errorf("--key %s: %w", k, err))
				}
				keys = append(keys, nk)
			}
			witnesses, err := parseWitnessKeys(witnessArgs)
			if err != nil {
				return err
			}
			keys = append(keys, witnesses...)
			vc, res := proof.CheckpointResult(msg, keys, proof.CheckpointOptions{Origin: origin, MinWitnesses: minWitnesses})
			w := cmd.OutOrStdout()
			if out.json() {
				err = writeJSON(w, checkpointJSON(vc, res))
			} else {
				err = report.WriteResult(w, res)
			}
			if err != nil {
				return err
			}
			if f := res.FirstFailure(); f != nil {
				var me *proof.MalformedError
				if errors.As(f.Err, &me) {
					return usageErr(f.Err)
				}
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	out.register(cmd)
	cmd.Flags().StringArrayVar(&keyArgs, "key", nil, "trusted log key: vkey string, vkey file or PEM public key file (repeatable)")
	cmd.Flags().StringArrayVar(&witnessArgs, "witness-key", nil, "trusted witness key for cosignature/v1 lines: vkey string or file (repeatable)")
	cmd.Flags().StringVar(&keyName, "key-name", "", "signer name for PEM keys (default: the host in the note's origin)")
	cmd.Flags().StringVar(&origin, "origin", "", "require this exact origin line")
	cmd.Flags().IntVar(&minWitnesses, "min-witnesses", 0, "require at least this many verified witness cosignatures")
	return cmd
}

// loadNoteKey builds a log key from a --key argument; PEM keys are named
// after name, or the host of the note's origin.
func loadNoteKey(arg, name string, note []byte) (proof.NoteKey, error) {
	text, err := readKeyArg(arg)
	if err != nil {
		return proof.NoteKey{}, err
	}
	if !strings.HasPrefix(text, "-----BEGIN") {
		return proof.ParseNoteKey(text)
	}
	pub, err := proof.ParsePublicKeyPEM([]byte(text))
	if err != nil {
		return proof.NoteKey{}, err
	}
	if name == "" {
		origin, _, _ := strings.Cut(string(note), "\n")
		name = origin
		if host, _, ok := proof.RekorV1Origin(origin); ok {
			name = host
		}
		if name == "" || strings.ContainsAny(name, " +") {
			return proof.NoteKey{}, fmt.Errorf("cannot name the PEM key after origin %q: pass --key-name", safetext.Truncate(origin, 64))
		}
	}
	return proof.NewLogKey(name, pub)
}

type noteSignatureJSON struct {
	Name      string `json:"name"`
	KeyHash   string `json:"keyHash"`
	Status    string `json:"status"`
	Key       string `json:"key,omitempty"`
	Role      string `json:"role,omitempty"`
	Timestamp string `json:"cosignedAt,omitempty"`
}

func checkpointJSON(vc *proof.VerifiedCheckpoint, res *model.Result) any {
	out := struct {
		Subject    string              `json:"subject"`
		Verdict    model.Verdict       `json:"verdict"`
		Reason     string              `json:"reason"`
		Steps      []model.Step        `json:"steps"`
		Checkpoint *model.Checkpoint   `json:"checkpoint,omitempty"`
		RootHex    string              `json:"rootHashHex,omitempty"`
		Signatures []noteSignatureJSON `json:"signatures,omitempty"`
	}{Subject: res.Subject, Verdict: res.Verdict(), Reason: res.Reason(), Steps: res.Steps}
	if vc != nil {
		if vc.Origin != "" {
			c := vc.Checkpoint
			out.Checkpoint = &c
			out.RootHex = hex.EncodeToString(c.RootHash)
		}
		if vc.Note != nil {
			for _, s := range vc.Note.Signatures {
				j := noteSignatureJSON{Name: s.Name, KeyHash: fmt.Sprintf("%08x", s.KeyHash), Status: s.Status.String()}
				if s.Key != nil {
					j.Key, j.Role = s.Key.ID()+" ("+s.Key.Alg+")", s.Key.Role.String()
				}
				if !s.Timestamp.IsZero() {
					j.Timestamp = s.Timestamp.Format("2006-01-02T15:04:05Z")
				}
				out.Signatures = append(out.Signatures, j)
			}
		}
	}
	return out
}
