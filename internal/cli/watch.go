package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/mirror"
)

// newWatchCmd tails a log (Rekor v1 by index, tlog-tiles checkpoint by
// checkpoint) and prints every new entry by a signer.
func newWatchCmd() *cobra.Command {
	var lf tilesLogFlags
	var identity, issuer, keyPath, dir, output string
	var interval time.Duration
	var polls int
	cmd := &cobra.Command{
		Use:   "watch (--identity ID [--issuer ISS] | --key PEM) --log NAME|URL [--log-key PEM | --note-key VKEY]",
		Short: "Follow a log and print each new entry by an identity or key",
		Long: `watch follows a transparency log from its current head and prints each new
entry signed by --identity (a certificate SAN; a trailing * matches a prefix)
and --issuer, or by the public key in --key: one JSON line on stdout per entry
(--output json, the default, for alerting) or one line of text (--output text).
A lie from the log stops it with exit 1.

On a C2SP tlog-tiles log (Rekor v2), at every poll it verifies the new
checkpoint, proves it consistent with the last one, reads the new entry
bundles and recomputes the tiles and the root from them (as provscope mirror
does).

On a Rekor v1 log, at every poll it checks the log's signed tree heads as
provscope loginfo does (signature, origin, the log's unsigned size and root
against the signed ones, consistency with the last head: a rollback, a fork
or a dropped tree is a lie), then reads the new entries by index (at most
1000 a poll; the rest at the next) and verifies each: SET, inclusion proof,
and its checkpoint consistent with the verified head.

With --data DIR it keeps its place across runs; without, it starts at the
log's current head each time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := mirror.Query{Subject: identity, Issuer: issuer}
			if keyPath != "" {
				b, err := readFileBounded(keyPath, maxKeyFile)
				if err != nil {
					return usageErr(fmt.Errorf("reading --key: %w", err))
				}
				pub, err := proof.ParsePublicKeyPEM(b)
				if err != nil {
					return usageErr(fmt.Errorf("reading --key %s: %w", keyPath, err))
				}
				if q.KeyFingerprint, err = proof.KeyFingerprint(pub); err != nil {
					return usageErr(fmt.Errorf("reading --key %s: %w", keyPath, err))
				}
			}
			if q.Subject == "" && q.KeyFingerprint == "" {
				return usageErr(errors.New("give --identity or --key"))
			}
			if interval <= 0 || polls < 0 {
				return usageErr(errors.New("--interval must be positive and --polls at least 0"))
			}
			if output != "json" && output != "text" {
				return usageErr(fmt.Errorf("--output %q: want json or text", output))
			}
			w := watchWriter{out: cmd.OutOrStdout(), text: output == "text"}
			v1, err := lf.isRekorV1()
			if err != nil {
				return err
			}
			if v1 {
				if err := lf.noWitnessesForV1(cmd); err != nil {
					return err
				}
				return watchRekorV1(cmd, lf, q, w, dir, interval, polls)
			}
			r, err := lf.resolve(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			keys, err := r.checkpointKeys(ctx)
			if err != nil {
				return err
			}
			dir, cleanup, err := watchDir(dir)
			if err != nil {
				return err
			}
			defer cleanup()
			onEntries := func(first uint64, es [][]byte, cp *proof.VerifiedCheckpoint) error {
				for i, e := range es {
					b, err := body.Decode(e)
					if err != nil || !mirror.Matches(b, q) {
						continue
					}
					if err := w.entry(first+uint64(i), cp.Size, b); err != nil { //nolint:gosec // i >= 0
						return err
					}
				}
				return nil
			}
			return watchPolls(ctx, interval, polls, func() error {
				_, err := mirror.Sync(ctx, mirror.Config{
					Dir: dir, Fetch: r.fetch, Keys: keys, MinWitnesses: r.minWitnesses, Origin: r.def.Origin, StartAtCheckpoint: true, OnEntries: onEntries,
				})
				if err != nil {
					return followError(err, "watch", r.def.URL)
				}
				return nil
			})
		},
	}
	lf.registerLog(cmd)
	f := cmd.Flags()
	f.StringVar(&identity, "identity", "", "certificate identity (SAN) to watch for; a trailing * matches a prefix")
	f.StringVar(&issuer, "issuer", "", "OIDC issuer the identity's certificate must name (a trailing * matches a prefix)")
	f.StringVar(&keyPath, "key", "", "PEM public key whose signatures to watch for")
	f.StringVar(&dir, "data", "", "directory keeping the watch's place (default: a temporary one, starting at the current head)")
	f.StringVar(&output, "output", "json", "output format: json (one line per entry) or text")
	f.DurationVar(&interval, "interval", 10*time.Second, "time between polls")
	f.IntVar(&polls, "polls", 0, "stop after this many polls (0: never)")
	return cmd
}

// watchRekorV1 follows a Rekor v1 log: one inspect.WatchV1 step a poll.
func watchRekorV1(cmd *cobra.Command, lf tilesLogFlags, q mirror.Query, w watchWriter, dir string, interval time.Duration, polls int) error {
	if lf.noteKey != "" {
		return usageErr(errors.New("--note-key is for tlog-tiles logs: give a Rekor v1 log's key with --log-key"))
	}
	ctx := cmd.Context()
	l, _, err := (&logFlags{log: lf.log, logKey: lf.key}).open(ctx)
	if err != nil {
		return err
	}
	dir, cleanup, err := watchDir(dir)
	if err != nil {
		return err
	}
	defer cleanup()
	match := func(b *body.Body) bool { return mirror.Matches(b, q) }
	return watchPolls(ctx, interval, polls, func() error {
		// A poll may read less than the log holds (inspect.MaxWatchBatch
		// entries); the next poll goes on from there.
		step, err := inspect.WatchV1(ctx, l, dir, match, time.Now())
		var lie *inspect.WatchLieError
		switch {
		case errors.As(err, &lie):
			return failed(fmt.Errorf("watch %s: %w", l.Def.URL, err))
		case errors.Is(err, context.Canceled):
			return failed(fmt.Errorf("watch interrupted: %w", err))
		case err != nil:
			return failed(fmt.Errorf("watch %s: %w", l.Def.URL, err))
		}
		for _, m := range step.Matches {
			if err := w.entry(m.Index, step.Size, m.Body); err != nil {
				return err
			}
		}
		return nil
	})
}

// watchDir returns dir, or a new temporary directory removed by cleanup.
func watchDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "provscope-watch-")
	if err != nil {
		return "", nil, usageErr(err)
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

// watchPolls runs poll polls times (0: until ctx ends), interval apart.
func watchPolls(ctx context.Context, interval time.Duration, polls int, poll func() error) error {
	for n := 0; polls == 0 || n < polls; n++ {
		if n > 0 {
			t := time.NewTimer(interval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		if err := poll(); err != nil {
			return err
		}
	}
	return nil
}

// watchWriter prints the entries a watch found: JSON lines (exact strings,
// escaped by the encoder, behind exactJSON) or text lines (every foreign string through
// safetext.Line).
type watchWriter struct {
	out  io.Writer
	text bool
}

func (w watchWriter) entry(idx, treeSize uint64, b *body.Body) error {
	ev := watchLine(idx, treeSize, b)
	if !w.text {
		return json.NewEncoder(exactJSON(w.out)).Encode(ev)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "entry %d (%s, log size %d)", ev.LogIndex, safetext.Line(ev.Kind), ev.TreeSize)
	if ev.ArtifactDigest != "" {
		fmt.Fprintf(&sb, " artifact %s", safetext.Line(ev.ArtifactDigest))
	}
	if ev.PayloadHash != "" {
		fmt.Fprintf(&sb, " payload %s", safetext.Line(ev.PayloadHash))
	}
	for _, s := range ev.Signers {
		sb.WriteString(" signed by ")
		switch {
		case s.Subject != "" && s.Issuer != "":
			fmt.Fprintf(&sb, "%s (issuer %s)", safetext.Line(s.Subject), safetext.Line(s.Issuer))
		case s.Subject != "":
			sb.WriteString(safetext.Line(s.Subject))
		default:
			fmt.Fprintf(&sb, "key %s", safetext.Line(s.KeyFingerprint))
		}
	}
	sb.WriteString("\n")
	_, err := io.WriteString(w.out, sb.String())
	return err
}

// watchEvent is one JSON line of watch: an entry that matched. Strings are
// exact (the JSON encoder escapes them).
type watchEvent struct {
	Event          string         `json:"event"`
	LogIndex       uint64         `json:"logIndex"`
	Kind           string         `json:"kind"`
	ArtifactDigest string         `json:"artifactDigest,omitempty"`
	PayloadHash    string         `json:"payloadHash,omitempty"`
	Signers        []model.Signer `json:"signers"`
	TreeSize       uint64         `json:"treeSize"`
}

func watchLine(idx, treeSize uint64, b *body.Body) watchEvent {
	ev := watchEvent{Event: "entry", LogIndex: idx, Kind: string(b.Kind), ArtifactDigest: b.ArtifactDigest.String(), PayloadHash: b.PayloadHash.String(), TreeSize: treeSize}
	for _, s := range b.Signatures {
		ev.Signers = append(ev.Signers, s.Signer)
	}
	return ev
}
