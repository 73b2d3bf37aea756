package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/client"
)

// newGetCmd fetches one log entry and verifies it with the log key.
func newGetCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var uuid string
	var index int64
	cmd := &cobra.Command{
		Use:   "get (--uuid ID | --log-index N)",
		Short: "Fetch a log entry and verify its SET, inclusion proof and checkpoint",
		Long: `get fetches one entry from a Rekor v1 log, by entry UUID (64 or 80 hex
digits) or by global log index, decodes its body and verifies it offline
with the log key: leaf hash, log ID, signed entry timestamp, inclusion proof
and the signed checkpoint. Exit code 1 when a check fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			byIndex := cmd.Flags().Changed("log-index")
			if (uuid == "") == !byIndex {
				return usageErr(errors.New("give exactly one of --uuid or --log-index"))
			}
			if byIndex && index < 0 {
				return usageErr(fmt.Errorf("--log-index %d: want >= 0", index))
			}
			if uuid != "" && !client.ValidUUID(strings.ToLower(uuid)) {
				return usageErr(fmt.Errorf("--uuid %q: want 64 or 80 hex digits", uuid))
			}
			ctx := cmd.Context()
			l, _, err := lf.open(ctx)
			if err != nil {
				return err
			}
			if l.Rekor == nil && !byIndex {
				return usageErr(fmt.Errorf("log %s is a tiles log: it has no UUID lookup, use --log-index", l.Name()))
			}
			var e *model.LogEntry
			if byIndex {
				e, err = l.EntryByIndex(ctx, index)
			} else {
				e, err = l.Rekor.EntryByUUID(ctx, uuid)
			}
			if errors.Is(err, client.ErrNotFound) || errors.Is(err, inspect.ErrNoSuchEntry) {
				if lie := missingEntry(ctx, l, byIndex, index); lie != nil {
					return failed(fmt.Errorf("looking up entry %d in %s: %w", index, l.Name(), lie))
				}
				return usageErr(fmt.Errorf("no such entry in %s: %w", l.Name(), err))
			}
			if err != nil {
				return failed(err)
			}
			c := l.VerifyEntry(*e, time.Now())
			b, berr := body.Decode(e.Body)
			w := cmd.OutOrStdout()
			if out.json() {
				doc := struct {
					Entry     model.LogEntry   `json:"entry"`
					TreeID    string           `json:"treeID,omitempty"`
					Body      *body.Body       `json:"body,omitempty"`
					BodyError string           `json:"bodyError,omitempty"`
					KeySource string           `json:"logKeySource"`
					Result    report.ResultDoc `json:"result"`
				}{Entry: *e, TreeID: client.TreeIDOf(e.UUID), Body: b, KeySource: l.KeySource, Result: report.Doc(c.Result)}
				if berr != nil {
					doc.BodyError = berr.Error()
				}
				if err := writeJSON(w, doc); err != nil {
					return err
				}
			} else if err := writeEntry(w, l, c, b, berr); err != nil {
				return err
			}
			if c.Result.Verdict() != model.VerdictVerified {
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().StringVar(&uuid, "uuid", "", "entry UUID (64 or 80 hex digits)")
	cmd.Flags().Int64Var(&index, "log-index", 0, "global log index")
	return cmd
}

func writeEntry(w io.Writer, l *inspect.Log, c *inspect.EntryCheck, b *body.Body, berr error) error {
	e := c.Entry
	var s strings.Builder
	fmt.Fprintf(&s, "UUID:        %s\n", line(e.UUID))
	fmt.Fprintf(&s, "Log index:   %d (global)", e.LogIndex)
	if e.Proof != nil {
		fmt.Fprintf(&s, "; leaf %d of %d in its shard", e.Proof.LogIndex, e.Proof.TreeSize)
		if t := client.TreeIDOf(e.UUID); t != "" {
			fmt.Fprintf(&s, " (tree %s)", line(t))
		}
	}
	s.WriteString("\n")
	fmt.Fprintf(&s, "Kind:        %s %s\n", line(string(e.Kind)), line(e.APIVersion))
	if !e.IntegratedTime.IsZero() && e.IntegratedTime.Unix() != 0 {
		fmt.Fprintf(&s, "Integrated:  %s\n", e.IntegratedTime.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&s, "Log ID:      %s\n", line(e.LogID))
	switch {
	case berr != nil:
		// Not a Rekor entry (a tiles log written by another writer holds
		// any bytes): show what the leaf hash was computed over, quoted,
		// sanitised, then cut.
		fmt.Fprintf(&s, "Body:        %d bytes, not a Rekor entry body (%s)\n", len(e.Body), line(berr.Error()))
		fmt.Fprintf(&s, "Data:        %s\n", safetext.Truncate(strconv.Quote(string(e.Body[:min(len(e.Body), 256)])), 72))
	case b != nil:
		fmt.Fprintf(&s, "Signer:      %s\n", line(b.Signer().String()))
		if d := b.ArtifactDigest.String(); d != "" {
			fmt.Fprintf(&s, "Artifact:    %s\n", line(d))
		}
		if d := b.PayloadHash.String(); d != "" {
			fmt.Fprintf(&s, "Payload:     %s\n", line(d))
		}
	}
	fmt.Fprintf(&s, "\nVerification with the log key (%s):\n", line(l.KeySource))
	if err := report.WriteSteps(&s, c.Result, "  ", false); err != nil {
		return err
	}
	fmt.Fprintf(&s, "\nVerdict: %s\n", c.Result.Verdict())
	_, err := io.WriteString(w, s.String())
	return err
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
