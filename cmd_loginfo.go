package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// newLogInfoCmd verifies a log's signed tree head(s) and their consistency
// with the checkpoints remembered from the last run.
func newLogInfoCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "loginfo",
		Short: "Verify a log's signed tree head and its consistency with the last one seen",
		Long: `loginfo fetches the log's signed tree head (for a sharded Rekor v1 log, one
per shard), verifies its signature with the log key, and proves it consistent
with the checkpoint remembered from the last run (kept per log and tree in
$XDG_STATE_HOME/provscope/checkpoints). A log that shrank (rollback), shows a
different root for a size it signed before, or cannot prove its new tree
extends the old one (fork) fails loudly with exit code 1, as does a log that
no longer lists a tree it signed before, reports a size or root other than
the signed ones, or signs under another origin than the log's (configured,
known, else the first one seen for this URL and key).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			l, sel, err := lf.open(ctx)
			if err != nil {
				return err
			}
			dir, err := state.DefaultDir(os.Getenv)
			if err != nil {
				return usageErr(err)
			}
			c, err := inspect.CheckLog(ctx, l, inspect.CheckOptions{Store: &state.Store{Dir: dir}, Now: time.Now(), DryRun: dryRun})
			if err != nil {
				return failed(fmt.Errorf("checking log %s: %w", l.Name(), err))
			}
			w := cmd.OutOrStdout()
			if out.json() {
				if err := writeJSONValue(w, logInfoJSONDoc(c, sel)); err != nil {
					return err
				}
			} else if err := writeLogCheck(w, c, sel); err != nil {
				return err
			}
			if c.Verdict() == model.VerdictFailed {
				if !out.json() {
					for _, t := range c.Trees {
						if f := t.Result.FirstFailure(); f != nil {
							fmt.Fprintf(cmd.ErrOrStderr(), "provscope: LOG CHECK FAILED for tree %s: %s\n", t.TreeID, f.Detail)
						}
					}
				}
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check without remembering the new checkpoint")
	return cmd
}

// logInfoJSON is loginfo's JSON document: the log check with every hash
// in hex, as the remembered checkpoint (rekor/state) and our other output
// have them; signedTreeHead stays the note exactly as the log served it.
type logInfoJSON struct {
	*inspect.LogCheck
	Trees   []treeCheckJSON `json:"trees"`
	Verdict model.Verdict   `json:"verdict"`
	From    string          `json:"selectedBy"`
}

// treeCheckJSON shadows TreeCheck's byte-slice hashes (base64 by default)
// with hex strings; the shallower field wins in encoding/json.
type treeCheckJSON struct {
	*inspect.TreeCheck
	Checkpoint *logCheckpointJSON `json:"checkpoint,omitempty"`
	Proof      []string           `json:"consistencyProof,omitempty"`
}

type logCheckpointJSON struct {
	Origin   string   `json:"origin"`
	Size     uint64   `json:"size"`
	RootHash string   `json:"rootHash"`
	Extra    []string `json:"extra,omitempty"`
}

func logInfoJSONDoc(c *inspect.LogCheck, sel logs.Selection) logInfoJSON {
	d := logInfoJSON{LogCheck: c, Trees: make([]treeCheckJSON, len(c.Trees)), Verdict: c.Verdict(), From: sel.From}
	for i := range c.Trees {
		t := &c.Trees[i]
		tj := treeCheckJSON{TreeCheck: t}
		if cp := t.Checkpoint; cp != nil {
			tj.Checkpoint = &logCheckpointJSON{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.RootHash), Extra: cp.Extra}
		}
		for _, h := range t.Proof {
			tj.Proof = append(tj.Proof, hex.EncodeToString(h))
		}
		d.Trees[i] = tj
	}
	return d
}

func writeLogCheck(w io.Writer, c *inspect.LogCheck, sel logs.Selection) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Log:    %s (selected by %s)\n", c.URL, sel.From)
	fmt.Fprintf(&b, "Key:    %s, sha256 %s\n", c.KeySource, c.KeyID)
	if c.Origin != "" {
		fmt.Fprintf(&b, "Origin: %s (%s)\n", c.Origin, c.OriginFrom)
	}
	for _, t := range c.Trees {
		state := "active"
		switch {
		case !t.Listed:
			state = "remembered, no longer listed by the log"
		case !t.Active:
			state = "inactive shard"
		}
		id := t.TreeID
		if id == "" {
			id = "(tiles)"
		}
		fmt.Fprintf(&b, "\nTree %s, %s", id, state)
		if t.Checkpoint != nil {
			fmt.Fprintf(&b, ": size %d, root %x", t.Checkpoint.Size, t.Checkpoint.RootHash)
		}
		b.WriteString("\n")
		if t.Previous != nil {
			fmt.Fprintf(&b, "  remembered: size %d, root %s, seen %s\n", t.Previous.Size, t.Previous.RootHash, t.Previous.SeenAt.Format(time.RFC3339))
		}
		if err := inspect.WriteSteps(&b, &t.Result, "  ", false); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "\nVerdict: %s\n", c.Verdict())
	_, err := io.WriteString(w, b.String())
	return err
}

// logFlags are the flags every log-reading command shares: which log, and
// its key.
type logFlags struct {
	log    string
	logKey string
	// trusted, when set, are the logs of a trust root fetched through TUF
	// (logs.Config.Trusted): "rekor-v2" follows its signing config.
	trusted []logs.Log
}

func (f *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default, public-good)")
	cmd.Flags().StringVar(&f.logKey, "log-key", "", "file with the log's public key, PEM or a note verifier key (pins it)")
}

// open resolves the log (flag, environment, config file) and opens it. A
// name or key that cannot be used is a usage error.
func (f *logFlags) open(ctx context.Context) (*inspect.Log, logs.Selection, error) {
	sel, _, err := f.selection()
	if err != nil {
		return nil, sel, err
	}
	var key []byte
	if f.logKey != "" {
		key, err = readFileBounded(f.logKey, maxKeyFile)
		if err != nil {
			return nil, sel, usageErr(fmt.Errorf("reading --log-key: %w", err))
		}
		if key, err = logKeyPEM(key); err != nil {
			return nil, sel, usageErr(fmt.Errorf("reading --log-key %s: %w", f.logKey, err))
		}
		if _, err := inspect.KeyFingerprint(key); err != nil {
			return nil, sel, usageErr(fmt.Errorf("reading --log-key %s: %w", f.logKey, err))
		}
	}
	if sel.Log.Kind == logs.KindTiles && key == nil && sel.Log.PublicKey == "" {
		// A tiles log serves no key of its own: the user must pin one.
		return nil, sel, usageErr(fmt.Errorf("log %s is a tlog-tiles log and serves no public key: pin it with --log-key PEM or publicKey in logs.json", sel.Log.URL))
	}
	l, err := inspect.OpenLog(ctx, sel.Log, inspect.LogOptions{KeyPEM: key, UserAgent: "provscope/" + buildVersion()})
	if err != nil {
		// The log could not be reached or sent no usable key: nothing
		// could be verified.
		return nil, sel, failed(err)
	}
	return l, sel, nil
}

// selection resolves which log the flags, environment and config file
// name, without opening it, and returns the config file's content too.
// Errors are usage errors.
func (f *logFlags) selection() (logs.Selection, *logs.Config, error) {
	path, err := logs.ConfigPath(os.Getenv)
	if err != nil {
		return logs.Selection{}, nil, usageErr(err)
	}
	cfg, err := logs.LoadConfig(path)
	if err != nil {
		return logs.Selection{}, nil, usageErr(err)
	}
	if len(f.trusted) > 0 {
		if cfg == nil {
			cfg = &logs.Config{}
		}
		cfg.Trusted = f.trusted
	}
	sel, err := logs.Resolve(f.log, os.Getenv, cfg)
	if err != nil {
		return logs.Selection{}, cfg, usageErr(err)
	}
	return sel, cfg, nil
}

// outputFlag is the --output flag: text (default) or json.
type outputFlag struct{ format string }

func (o *outputFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "output", "text", "output format: text or json")
}

func (o *outputFlag) check() error {
	if o.format != "text" && o.format != "json" {
		return usageErr(fmt.Errorf("--output %q: want text or json", o.format))
	}
	return nil
}

func (o *outputFlag) json() bool { return o.format == "json" }

func writeJSONValue(w io.Writer, v any) error {
	enc := json.NewEncoder(exactJSON(w))
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// missingEntry judges a log's "no such entry" for `get --log-index`: nil
// when the index is beyond what the log signed, else the log's
// misbehaviour (its own signed checkpoint covers the index) or why its
// head could not be verified.
func missingEntry(ctx context.Context, l *inspect.Log, byIndex bool, index int64) error {
	if !byIndex {
		return nil
	}
	return l.MissingEntry(ctx, index)
}
