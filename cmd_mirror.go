package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/state"
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

// tilesLogFlags are the flags of mirror and audit: the log and its key.
type tilesLogFlags struct {
	log, key, noteKey string
}

func (f *tilesLogFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "tlog-tiles log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default)")
	cmd.Flags().StringVar(&f.key, "key", "", "PEM file with the log's public key (pins it)")
	cmd.Flags().StringVar(&f.noteKey, "note-key", "", "the log's signed-note verifier key (name+hash+base64), or a file holding it")
}

// registerLog registers the same flags with the log's PEM key as
// --log-key, for a command whose --key is another key (watch).
func (f *tilesLogFlags) registerLog(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "tlog-tiles log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default)")
	cmd.Flags().StringVar(&f.key, "log-key", "", "PEM file with the log's public key (pins it)")
	cmd.Flags().StringVar(&f.noteKey, "note-key", "", "the log's signed-note verifier key (name+hash+base64), or a file holding it")
}

// resolvedTilesLog is a tiles log ready to read.
type resolvedTilesLog struct {
	def   logs.Log
	fetch tiles.Fetcher
	keys  mirrorLogDef
}

// resolve picks the log and its key material; every problem is a usage
// error.
func (f *tilesLogFlags) resolve() (*resolvedTilesLog, error) {
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
	return keys, nil
}

// followTiles runs one mirror or audit pass and prints its outcome.
func followTiles(cmd *cobra.Command, r *resolvedTilesLog, dir string, index bool, out outputFlag, verb string) error {
	ctx := cmd.Context()
	keys, err := r.checkpointKeys(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return usageErr(fmt.Errorf("creating %s: %w", dir, err))
	}
	if index {
		b, _ := json.MarshalIndent(r.keys, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, mirrorLogFile), b, 0o600); err != nil {
			return usageErr(fmt.Errorf("writing %s: %w", mirrorLogFile, err))
		}
	}
	prog := newTilesProgress(terminalErr(cmd), verb)
	res, err := mirror.Sync(ctx, mirror.Config{
		Dir: dir, Fetch: r.fetch, Keys: keys, Origin: r.def.Origin, Index: index, Progress: prog.report,
	})
	prog.done()
	if err != nil {
		return followError(err, verb, r.def.URL)
	}
	w := cmd.OutOrStdout()
	if out.json() {
		return writeJSON(w, struct {
			Log    string `json:"log"`
			Origin string `json:"origin"`
			From   uint64 `json:"from"`
			To     uint64 `json:"to"`
			Root   string `json:"rootHash"`
			Dir    string `json:"dir"`
			// Only a mirror indexes: audit's JSON is unchanged.
			NotIndexed *uint64 `json:"notIndexed,omitempty"`
		}{r.def.URL, res.Checkpoint.Origin, res.From, res.To, fmt.Sprintf("%x", res.Checkpoint.RootHash), dir, notIndexed(index, res.NotIndexed)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d new entries verified (%d..%d), every tile recomputed from the entries\n", verb, safetext.Line(r.def.URL), res.To-res.From, res.From, res.To)
	if index && res.NotIndexed > 0 {
		fmt.Fprintf(&b, "not indexed: %d of them are not Rekor entries provscope decodes (verified and kept, but search cannot find them)\n", res.NotIndexed)
	}
	fmt.Fprintf(&b, "checkpoint %s @ %d, root %x: signature verified, consistent with the last one kept\ndata: %s\n",
		safetext.Line(res.Checkpoint.Origin), res.Checkpoint.Size, res.Checkpoint.RootHash, safetext.Line(dir))
	_, err = io.WriteString(w, b.String())
	return err
}

// notIndexed is the JSON notIndexed count: only a mirror indexes.
func notIndexed(index bool, n uint64) *uint64 {
	if !index {
		return nil
	}
	return &n
}

// followError maps a mirror or audit error to provscope's exit codes: a
// lie (with the evidence saved) or an unreadable log exits 1, a directory
// of another kind 2.
func followError(err error, verb, logURL string) error {
	var le *mirror.LieError
	switch {
	case errors.As(err, &le):
		msg := le.Error()
		if len(le.Evidence) > 0 {
			msg += "; evidence saved: " + strings.Join(le.Evidence, ", ") // one line: errors print through safetext.Line
		}
		return failed(errors.New(msg))
	case errors.Is(err, mirror.ErrWrongMode):
		return usageErr(err)
	case errors.Is(err, context.Canceled):
		return failed(fmt.Errorf("%s interrupted (run it again to continue): %w", verb, err))
	}
	return failed(fmt.Errorf("%s %s: %w", verb, logURL, err))
}

// isRekorV1 reports whether the chosen log is a Rekor v1 log.
func (f *tilesLogFlags) isRekorV1() (bool, error) {
	sel, _, err := (&logFlags{log: f.log}).selection()
	if err != nil {
		return false, err
	}
	return sel.Log.Kind != logs.KindTiles, nil
}

// newMirrorCmd mirrors a tlog-tiles log into a directory and indexes it.
func newMirrorCmd() *cobra.Command {
	var lf tilesLogFlags
	var out outputFlag
	var dir string
	cmd := &cobra.Command{
		Use:   "mirror --log NAME|URL [--data DIR] [--key PEM | --note-key VKEY]",
		Short: "Mirror a tlog-tiles log (Rekor v2), verify every tile and index it for search",
		Long: `mirror follows a C2SP tlog-tiles log into DIR: it verifies the log's signed
checkpoint, proves it consistent with the last one kept, downloads every entry
bundle, recomputes every hash tile from the entries (leaf hash =
SHA-256(0x00||entry)) and checks each served tile and the signed root against
that recomputation. Only entries that verified enter the index that
"search --mirror DIR" answers from (artifact and payload digests, signer
identity and issuer, key fingerprint, kind).

Without --data the mirror lives under $XDG_DATA_HOME/provscope/mirrors/ (one
directory per log URL), where the explorer's search ("/") on that tiles log
finds it.

It is resumable: stop it at any point and run it again to continue. A lie from
the log (a changed tile or entry, a truncated or reordered bundle, an
inconsistent checkpoint) stops it with exit 1, naming the first bad range of
entries and saving the evidence under DIR/evidence/.

Progress goes to stderr: a status line on a terminal, JSON lines otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			r, err := lf.resolve()
			if err != nil {
				return err
			}
			if dir == "" {
				// Where the explorer's search looks for this log's mirror.
				if dir, err = mirror.DefaultDir(os.Getenv, r.def.TilesPrefix()); err != nil {
					return usageErr(errors.Join(errors.New("choosing the mirror directory (give --data)"), err))
				}
			}
			return followTiles(cmd, r, dir, true, out, "mirror")
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().StringVar(&dir, "data", "", "mirror directory, created if absent (default under $XDG_DATA_HOME/provscope/mirrors, where the explorer's search finds it)")
	return cmd
}

// tilesProgress prints progress: a redrawn line on a terminal, JSON lines
// otherwise. It prints only numbers provscope computed.
type tilesProgress struct {
	w    io.Writer
	tty  bool
	verb string
	any  bool
}

func newTilesProgress(w io.Writer, verb string) *tilesProgress {
	p := &tilesProgress{w: w, verb: verb}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) { //nolint:gosec // a file descriptor fits an int
		p.tty = true
	}
	return p
}

func (p *tilesProgress) report(pr mirror.Progress) {
	p.any = true
	eta := pr.ETA().Round(time.Second)
	if p.tty {
		pct := 100.0
		if pr.Target > 0 {
			pct = 100 * float64(pr.Done) / float64(pr.Target)
		}
		fmt.Fprintf(p.w, "\r%s: %d/%d entries (%.1f%%), %.0f entries/s, ETA %s   ", p.verb, pr.Done, pr.Target, pct, pr.Rate(), eta)
		return
	}
	b, _ := json.Marshal(struct {
		Event  string  `json:"event"`
		Done   uint64  `json:"done"`
		Target uint64  `json:"target"`
		Rate   float64 `json:"entriesPerSecond"`
		ETA    float64 `json:"etaSeconds"`
	}{"progress", pr.Done, pr.Target, pr.Rate(), eta.Seconds()})
	fmt.Fprintf(p.w, "%s\n", b)
}

func (p *tilesProgress) done() {
	if p.tty && p.any {
		fmt.Fprintln(p.w)
	}
}

// defaultAuditDir is where audit keeps its state for a log without --data:
// $XDG_STATE_HOME/provscope/audit/<host and path of the log URL>.
func defaultAuditDir(logURL string) (string, error) {
	base, err := state.DefaultDir(os.Getenv)
	if err != nil {
		return "", err
	}
	name := strings.NewReplacer("://", "_", "/", "_", ":", "_").Replace(strings.TrimRight(logURL, "/"))
	return filepath.Join(filepath.Dir(base), "audit", name), nil
}
