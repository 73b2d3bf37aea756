package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
)

// newSearchCmd searches a Rekor v1 log's index and fetches every match.
func newSearchCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var sha, artifact, pubKey, pkiFormat, email, subject, operator string
	var uuidsOnly bool
	var ms mirrorSearchFlags
	var image string
	cmd := &cobra.Command{
		Use:   "search (--image REF | (--sha DIGEST | --artifact FILE | --public-key FILE | --email ADDR | --subject SAN)...)",
		Short: "Find log entries by artifact digest, public key, email or subject",
		Long: `search asks a Rekor v1 log's index for entries matching an artifact digest
(--sha, or the SHA-256 of --artifact), a public key, an email or a certificate
subject, combined with --operator or (default) or and. It then fetches the
matches, ten per request, up to --limit (default 50) so that a popular
identity does not cost thousands of requests; the matches beyond the limit
are counted ("N more: use --limit") but not fetched. --limit 0 fetches every
match; a negative limit is an input error (exit 2).

--image REF lists every entry about an image digest however it is found: the
attachments in the registry, cosign's simple-signing payload for the
repository and digest rebuilt and searched by its hash (so a signature is
found even after its .sig tag was deleted), and the digest itself searched as
an in-toto subject. Each entry says how it was found and whether it is bound
to the digest. A shortened digest is an input error (exit 2).

With --mirror DIR (provscope mirror) the same image search answers from a
tlog-tiles log's mirror: the attachments' payloads and the rebuilt
simple-signing payload are looked up by hash, each entry proven against the
mirror's signed checkpoint (a mirror holds no in-toto subjects).

tlog-tiles logs (Rekor v2) have no search index: search refuses them (exit 2);
search their mirror (--mirror), or read them by position with get --log-index
and proof --log-index.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if image != "" {
				if sha != "" || artifact != "" || pubKey != "" || email != "" || subject != "" || uuidsOnly {
					return usageErr(errors.New("--image lists every entry about an image: give it alone (or with --mirror)"))
				}
				if ms.dir != "" {
					return runSearchImageMirror(cmd, ms.dir, lf.logKey, image, out)
				}
				return runSearchImage(cmd, &lf, image, out)
			}
			if ms.dir != "" {
				return ms.run(cmd, mirrorQuery{sha: sha, artifact: artifact, pubKey: pubKey, email: email, subject: subject, logKey: lf.logKey, json: out.json()})
			}
			limit := ms.limit // --limit is registered with the mirror flags
			if limit < 0 {
				return usageErr(fmt.Errorf("--limit %d: want 0 (every match) or more", limit))
			}
			q := client.SearchQuery{Email: email, Subject: subject, Operator: client.Operator(operator)}
			if operator != "and" && operator != "or" {
				return usageErr(fmt.Errorf("--operator %q: want and or or", operator))
			}
			if sha != "" && artifact != "" {
				return usageErr(errors.New("give --sha or --artifact, not both"))
			}
			if sha != "" {
				q.Hash = strings.ToLower(sha)
				if !strings.Contains(q.Hash, ":") {
					q.Hash = "sha256:" + q.Hash
				}
				if h, ok := strings.CutPrefix(q.Hash, "sha256:"); !ok || len(h) != 64 || !isHexString(h) {
					return usageErr(fmt.Errorf("--sha %q: want sha256:<64 hex digits>", sha))
				}
			}
			if artifact != "" {
				sum, err := sha256File(artifact)
				if err != nil {
					return usageErr(fmt.Errorf("reading --artifact: %w", err))
				}
				q.Hash = "sha256:" + hex.EncodeToString(sum)
			}
			if pubKey != "" {
				b, err := readFileBounded(pubKey, maxSearchKeyFile)
				if err != nil {
					return usageErr(fmt.Errorf("reading --public-key: %w", err))
				}
				q.PublicKey, q.PublicKeyFormat = b, pkiFormat
			}
			if q.Hash == "" && q.PublicKey == nil && q.Email == "" && q.Subject == "" {
				return usageErr(errors.New("give at least one of --sha, --artifact, --public-key, --email, --subject"))
			}
			sel, _, err := lf.selection()
			if err != nil {
				return err
			}
			if sel.Log.Kind == logs.KindTiles {
				return usageErr(&tilesSearchError{Log: sel.Log})
			}
			ctx := cmd.Context()
			l, _, err := lf.open(ctx)
			if err != nil {
				return err
			}
			uuids, err := l.Rekor.Search(ctx, q)
			if err != nil {
				return logQueryErr(err)
			}
			var entries []model.LogEntry
			more := 0
			if !uuidsOnly {
				fetch := uuids
				if limit > 0 && len(fetch) > limit {
					fetch, more = fetch[:limit], len(fetch)-limit
				}
				entries, err = l.Rekor.Retrieve(ctx, fetch, nil)
				if err != nil {
					return failed(err)
				}
			}
			w := cmd.OutOrStdout()
			if out.json() {
				type row struct {
					UUID           string       `json:"uuid"`
					LogIndex       *int64       `json:"logIndex,omitempty"`
					Kind           string       `json:"kind,omitempty"`
					IntegratedTime string       `json:"integratedTime,omitempty"`
					Signer         model.Signer `json:"signer,omitzero"`
				}
				rows := make([]row, 0, len(uuids))
				if uuidsOnly {
					for _, u := range uuids {
						rows = append(rows, row{UUID: u})
					}
				}
				for _, e := range entries {
					idx := e.LogIndex
					r := row{UUID: e.UUID, LogIndex: &idx, Kind: string(e.Kind), IntegratedTime: e.IntegratedTime.UTC().Format(time.RFC3339)}
					if b, err := body.Decode(e.Body); err == nil {
						r.Signer = b.Signer()
					}
					rows = append(rows, r)
				}
				return writeJSON(w, struct {
					Log     string `json:"log"`
					Count   int    `json:"count"`
					More    int    `json:"more"`
					Entries []row  `json:"entries"`
				}{l.Def.URL, len(uuids), more, rows})
			}
			return writeSearch(w, l, uuids, entries, uuidsOnly, more)
		},
	}
	lf.register(cmd)
	out.register(cmd)
	ms.register(cmd)
	f := cmd.Flags()
	f.StringVar(&sha, "sha", "", "artifact digest, sha256:<hex> or <hex>")
	f.StringVar(&artifact, "artifact", "", "file whose SHA-256 to search for")
	f.StringVar(&pubKey, "public-key", "", "public key file (PEM, or the --pki-format's encoding)")
	f.StringVar(&pkiFormat, "pki-format", "x509", "public key format: x509, ssh, pgp, minisign, tuf")
	f.StringVar(&email, "email", "", "email address in a signing certificate")
	f.StringVar(&subject, "subject", "", "certificate subject (SAN)")
	f.StringVar(&operator, "operator", "or", "combine criteria with and or or")
	f.BoolVar(&uuidsOnly, "uuids-only", false, "list entry UUIDs without fetching the entries")
	f.StringVar(&image, "image", "", "list every entry about an image: REPO:TAG, REPO@sha256:HEX or sha256:HEX")
	return cmd
}

func isHexString(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func writeSearch(w io.Writer, l *inspect.Log, uuids []string, entries []model.LogEntry, uuidsOnly bool, more int) error {
	var s strings.Builder
	fmt.Fprintf(&s, "%d entr%s in %s\n", len(uuids), map[bool]string{true: "y", false: "ies"}[len(uuids) == 1], line(l.Def.URL))
	if uuidsOnly {
		for _, u := range uuids {
			s.WriteString(line(u) + "\n")
		}
	} else if len(entries) > 0 {
		fmt.Fprintf(&s, "%-10s  %-20s  %-14s  %-24s  %s\n", "INDEX", "INTEGRATED", "KIND", "SIGNER", "UUID")
		for _, e := range entries {
			signer := "-"
			if b, err := body.Decode(e.Body); err == nil {
				signer = b.Signer().String()
			}
			// Sanitise, then cut: a cut first could split an escape
			// sequence and leave half of it live.
			signer = safetext.Truncate(signer, 24)
			fmt.Fprintf(&s, "%-10d  %-20s  %-14s  %-24s  %s\n", e.LogIndex, e.IntegratedTime.UTC().Format(time.RFC3339), line(string(e.Kind)), signer, line(e.UUID))
		}
	}
	if more > 0 {
		fmt.Fprintf(&s, "%d more: use --limit %d (or --limit 0) to fetch them all\n", more, len(uuids))
	}
	_, err := io.WriteString(w, s.String())
	return err
}
