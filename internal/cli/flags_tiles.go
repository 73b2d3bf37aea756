// A tlog-tiles log named by flags, and the key it is verified with: shared by
// mirror, audit, watch and search --mirror.

package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/tiles"
)

// mirrorLogFile records, in a mirror directory, which log it follows and
// the key it was verified with, so that search can re-verify its
// checkpoint without flags.
const mirrorLogFile = "log.json"

type mirrorLogDef struct {
	URL     string `json:"url"`
	KeyPEM  string `json:"keyPem,omitempty"`
	NoteKey string `json:"noteKey,omitempty"`
}

// tilesLogFlags are the flags of mirror, audit and watch: the log, its key
// and the witness policy its checkpoints must meet.
type tilesLogFlags struct {
	log, key, noteKey string
	// witnessKeys and minWitnesses are the witness policy: every
	// checkpoint followed must carry at least minWitnesses verified
	// cosignatures by distinct keys among witnessKeys.
	witnessKeys  []string
	minWitnesses int
}

func (f *tilesLogFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "tlog-tiles log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default)")
	cmd.Flags().StringVar(&f.key, "key", "", "PEM file with the log's public key (pins it)")
	f.registerRest(cmd)
}

// registerLog registers the same flags with the log's PEM key as
// --log-key, for a command whose --key is another key (watch).
func (f *tilesLogFlags) registerLog(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "tlog-tiles log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default)")
	cmd.Flags().StringVar(&f.key, "log-key", "", "PEM file with the log's public key (pins it)")
	f.registerRest(cmd)
}

func (f *tilesLogFlags) registerRest(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.noteKey, "note-key", "", "the log's signed-note verifier key (name+hash+base64), or a file holding it")
	cmd.Flags().StringArrayVar(&f.witnessKeys, "witness-key", nil, "trusted witness key for cosignature/v1 lines: vkey string or file (repeatable; tlog-tiles logs)")
	cmd.Flags().IntVar(&f.minWitnesses, "min-witnesses", 0, "every checkpoint must carry at least this many verified witness cosignatures (default: all --witness-key given)")
}

// witnessPolicy parses the witness flags: the witness keys and how many
// must cosign (every one given, unless --min-witnesses says otherwise).
func (f *tilesLogFlags) witnessPolicy(cmd *cobra.Command) ([]proof.NoteKey, int, error) {
	keys, err := parseWitnessKeys(f.witnessKeys)
	if err != nil {
		return nil, 0, err
	}
	n := len(keys)
	if cmd != nil && cmd.Flags().Changed("min-witnesses") {
		n = f.minWitnesses
	}
	switch {
	case n < 0:
		return nil, 0, usageErr(fmt.Errorf("--min-witnesses %d is negative", n))
	case n > len(keys):
		return nil, 0, usageErr(fmt.Errorf("--min-witnesses %d, but %d --witness-key given: that many witnesses can never cosign", n, len(keys)))
	}
	return keys, n, nil
}

// parseWitnessKeys reads --witness-key arguments (a vkey string or a file
// holding one) as trusted witness keys; a bad one is a usage error.
// verify-checkpoint, mirror, audit and watch share it.
func parseWitnessKeys(args []string) ([]proof.NoteKey, error) {
	var keys []proof.NoteKey
	for _, k := range args {
		v, err := readKeyArg(k)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--witness-key %s: %w", k, err))
		}
		nk, err := proof.ParseWitnessKey(v)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--witness-key %s: %w", k, err))
		}
		keys = append(keys, nk)
	}
	return keys, nil
}

// resolvedTilesLog is a tiles log ready to read.
type resolvedTilesLog struct {
	def   logs.Log
	fetch tiles.Fetcher
	keys  mirrorLogDef
	// witnesses are the trusted witness keys, minWitnesses how many must
	// cosign each checkpoint (mirror.Config.MinWitnesses).
	witnesses    []proof.NoteKey
	minWitnesses int
}

// resolve picks the log and its key material; every problem is a usage
// error.
func (f *tilesLogFlags) resolve(cmd *cobra.Command) (*resolvedTilesLog, error) {
	lf := logFlags{log: f.log}
	sel, _, err := lf.selection()
	if err != nil {
		return nil, err
	}
	if sel.Log.Kind != logs.KindTiles {
		return nil, usageErr(fmt.Errorf("log %s is a Rekor v1 log: mirror and audit read tlog-tiles logs (a URL ending in /api/v2, or tiles+URL)", sel.Log.URL))
	}
	r := &resolvedTilesLog{def: sel.Log, keys: mirrorLogDef{URL: sel.Log.URL, KeyPEM: sel.Log.PublicKey}}
	if f.key != "" && f.noteKey != "" {
		return nil, usageErr(errors.New("give --key or --note-key, not both"))
	}
	if f.key != "" {
		b, err := readFileBounded(f.key, maxKeyFile)
		if err != nil {
			return nil, usageErr(fmt.Errorf("reading --key: %w", err))
		}
		if _, err := proof.ParsePublicKeyPEM(b); err != nil {
			return nil, usageErr(fmt.Errorf("reading --key %s: %w", f.key, err))
		}
		r.keys.KeyPEM, r.keys.NoteKey = string(b), ""
	}
	if f.noteKey != "" {
		v := f.noteKey
		if b, err := readFileBounded(v, maxKeyFile); err == nil {
			v = strings.TrimSpace(string(b))
		}
		if _, err := proof.ParseNoteKey(v); err != nil {
			return nil, usageErr(fmt.Errorf("--note-key: %w", err))
		}
		r.keys.NoteKey, r.keys.KeyPEM = v, ""
	}
	if r.keys.KeyPEM == "" && r.keys.NoteKey == "" {
		return nil, usageErr(fmt.Errorf("log %s serves no key of its own: pin it with --key PEM or --note-key VKEY", sel.Log.URL))
	}
	if r.witnesses, r.minWitnesses, err = f.witnessPolicy(cmd); err != nil {
		return nil, err
	}
	r.fetch, err = mirror.HTTPFetcher(sel.Log.TilesPrefix(), nil, "provscope/"+buildVersion())
	if err != nil {
		return nil, usageErr(err)
	}
	return r, nil
}

// noteKeys builds the log's note keys from the recorded key material; a
// PEM key is named after the checkpoint's origin (unverified, only a name:
// the signature must still verify with the pinned key).
func (d mirrorLogDef) noteKeys(origin string) ([]proof.NoteKey, error) {
	if d.NoteKey != "" {
		k, err := proof.ParseNoteKey(d.NoteKey)
		if err != nil {
			return nil, err
		}
		return []proof.NoteKey{k}, nil
	}
	k, err := proof.LogKeyFromPEM([]byte(d.KeyPEM), origin)
	if err != nil {
		return nil, err
	}
	return []proof.NoteKey{k}, nil
}

// checkpointKeys fetches the log's checkpoint for its origin (unless the
// log definition pins one) and returns the note keys to verify it with.
// Its errors are already classed: failed for what the log served,
// usageErr for a bad key definition.
func (r *resolvedTilesLog) checkpointKeys(ctx context.Context) ([]proof.NoteKey, error) {
	raw, err := tiles.New(r.fetch).Checkpoint(ctx)
	if err != nil {
		return nil, failed(fmt.Errorf("fetching the checkpoint of %s: %w", r.def.URL, err))
	}
	origin, _, err := tiles.ParseCheckpointSize(raw)
	if err != nil {
		return nil, failed(fmt.Errorf("reading the checkpoint of %s: %w", r.def.URL, err))
	}
	if r.def.Origin != "" {
		origin = r.def.Origin
	}
	keys, err := r.keys.noteKeys(origin)
	if err != nil {
		return nil, usageErr(fmt.Errorf("building the log's note key: %w", err))
	}
	return append(keys, r.witnesses...), nil
}

// noWitnessesForV1 refuses the witness flags for a Rekor v1 log, whose
// signed tree heads carry no witness cosignatures.
func (f *tilesLogFlags) noWitnessesForV1(cmd *cobra.Command) error {
	if len(f.witnessKeys) > 0 || cmd.Flags().Changed("min-witnesses") {
		return usageErr(errors.New("--witness-key and --min-witnesses apply to tlog-tiles checkpoints; this is a Rekor v1 log"))
	}
	return nil
}

// isRekorV1 reports whether the chosen log is a Rekor v1 log.
func (f *tilesLogFlags) isRekorV1() (bool, error) {
	sel, _, err := (&logFlags{log: f.log}).selection()
	if err != nil {
		return false, err
	}
	return sel.Log.Kind != logs.KindTiles, nil
}
