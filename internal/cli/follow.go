// One pass over a tlog-tiles log (mirror, audit, watch): running it,
// reporting its progress and mapping its errors to exit codes.

package cli

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
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/state"
)

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
		Dir: dir, Fetch: r.fetch, Keys: keys, MinWitnesses: r.minWitnesses, Origin: r.def.Origin, Index: index, Progress: prog.report,
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

// notIndexed is the JSON notIndexed count: only a mirror indexes.
func notIndexed(index bool, n uint64) *uint64 {
	if !index {
		return nil
	}
	return &n
}
