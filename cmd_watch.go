package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/tiles"
)

// newWatchCmd tails a tlog-tiles log checkpoint by checkpoint and prints
// every new entry by a signer.
func newWatchCmd() *cobra.Command {
	var lf tilesLogFlags
	var identity, issuer, keyPath, dir string
	var interval time.Duration
	var polls int
	cmd := &cobra.Command{
		Use:   "watch (--identity ID [--issuer ISS] | --key PEM) --log NAME|URL [--log-key PEM | --note-key VKEY]",
		Short: "Follow a tlog-tiles log and print each new entry by an identity or key",
		Long: `watch follows a C2SP tlog-tiles log (Rekor v2) from its current checkpoint:
at every poll it verifies the new checkpoint, proves it consistent with the last
one, reads the new entry bundles, recomputes the tiles and the root from them
(as provscope mirror does), and prints one JSON line on stdout for each new
entry signed by --identity (a certificate SAN; a trailing * matches a prefix)
and --issuer, or by the public key in --key. A lie from the log stops it with
exit 1. With --data DIR it keeps its place across runs; without, it starts at
the log's current checkpoint each time.`,
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
			r, err := lf.resolve()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			raw, err := tiles.New(r.fetch).Checkpoint(ctx)
			if err != nil {
				return failed(fmt.Errorf("fetching the checkpoint of %s: %w", r.def.URL, err))
			}
			origin, _, err := tiles.ParseCheckpointSize(raw)
			if err != nil {
				return failed(fmt.Errorf("reading the checkpoint of %s: %w", r.def.URL, err))
			}
			if r.def.Origin != "" {
				origin = r.def.Origin
			}
			keys, err := r.keys.noteKeys(origin)
			if err != nil {
				return usageErr(fmt.Errorf("building the log's note key: %w", err))
			}
			if dir == "" {
				tmp, err := os.MkdirTemp("", "provscope-watch-")
				if err != nil {
					return usageErr(err)
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			onEntries := func(first uint64, es [][]byte, cp *proof.VerifiedCheckpoint) error {
				for i, e := range es {
					b, err := body.Decode(e)
					if err != nil || !mirror.Matches(b, q) {
						continue
					}
					if err := enc.Encode(watchLine(first+uint64(i), cp.Size, b)); err != nil { //nolint:gosec // i >= 0
						return err
					}
				}
				return nil
			}
			for poll := 0; polls == 0 || poll < polls; poll++ {
				if poll > 0 {
					t := time.NewTimer(interval)
					select {
					case <-ctx.Done():
						t.Stop()
						return nil
					case <-t.C:
					}
				}
				_, err = mirror.Sync(ctx, mirror.Config{
					Dir: dir, Fetch: r.fetch, Keys: keys, Origin: r.def.Origin, StartAtCheckpoint: true, OnEntries: onEntries,
				})
				if err != nil {
					return followError(err, "watch", r.def.URL)
				}
			}
			return nil
		},
	}
	lf.registerLog(cmd)
	f := cmd.Flags()
	f.StringVar(&identity, "identity", "", "certificate identity (SAN) to watch for; a trailing * matches a prefix")
	f.StringVar(&issuer, "issuer", "", "OIDC issuer the identity's certificate must name (a trailing * matches a prefix)")
	f.StringVar(&keyPath, "key", "", "PEM public key whose signatures to watch for")
	f.StringVar(&dir, "data", "", "directory keeping the watch's place (default: a temporary one, starting at the current checkpoint)")
	f.DurationVar(&interval, "interval", 10*time.Second, "time between checkpoint polls")
	f.IntVar(&polls, "polls", 0, "stop after this many polls (0: never)")
	return cmd
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
