package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/mirror"
)

// mirrorSearchFlags are search's flags for answering from a local mirror
// (provscope mirror) instead of a Rekor v1 search API.
type mirrorSearchFlags struct {
	dir, issuer, kind string
	limit             int
}

func (f *mirrorSearchFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "mirror", "", "answer from the mirror in DIR (provscope mirror), verifying each hit's inclusion")
	cmd.Flags().StringVar(&f.issuer, "issuer", "", "OIDC issuer of the signing certificate (with --mirror; a trailing * matches a prefix)")
	cmd.Flags().StringVar(&f.kind, "kind", "", "entry kind: hashedrekord, dsse or intoto (with --mirror)")
	// One --limit for both sources: search's own fetch bound (0: every
	// match) and the mirror's answer size (at least 1).
	cmd.Flags().IntVar(&f.limit, "limit", 50, "fetch at most this many matching entries (0: every match; with --mirror at least 1)")
}

// mirrorQuery is what search was asked, in the form its flags give it.
type mirrorQuery struct {
	sha, artifact, pubKey, email, subject, logKey string
	json                                          bool
}

// openMirrorSearcher opens the mirror in dir for searching, its
// checkpoint to be verified with the key recorded at mirror time, or the
// one in the file logKey names. Its errors are usage errors.
func openMirrorSearcher(ctx context.Context, dir, logKey string) (*mirror.Searcher, error) {
	info, err := mirror.ReadInfo(ctx, dir)
	if err != nil {
		return nil, usageErr(err)
	}
	var def mirrorLogDef
	b, err := readFileBounded(filepath.Join(dir, mirrorLogFile), maxKeyFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf("reading the mirror's log definition: %w", err))
	}
	if err := json.Unmarshal(b, &def); err != nil {
		return nil, usageErr(fmt.Errorf("reading the mirror's log definition: %w", err))
	}
	if logKey != "" {
		k, err := readFileBounded(logKey, maxKeyFile)
		if err != nil {
			return nil, usageErr(fmt.Errorf("reading --log-key: %w", err))
		}
		def.KeyPEM, def.NoteKey = string(k), ""
	}
	keys, err := def.noteKeys(info.Origin)
	if err != nil {
		return nil, usageErr(fmt.Errorf("building the log's note key: %w", err))
	}
	sr, err := mirror.OpenSearcher(dir, keys)
	if err != nil {
		return nil, usageErr(err)
	}
	return sr, nil
}

// run answers the query from the mirror: the mirror's checkpoint is
// verified with the key recorded at mirror time (or --log-key), and each
// hit's inclusion proof, computed from the mirrored tiles, is verified
// against it before the hit is shown.
func (f *mirrorSearchFlags) run(cmd *cobra.Command, in mirrorQuery) error {
	if in.email != "" && in.subject != "" && in.email != in.subject {
		return usageErr(errors.New("with --mirror, --email and --subject both match the certificate SAN: give one"))
	}
	q := mirror.Query{Subject: in.subject, Issuer: f.issuer, Kind: model.EntryKind(f.kind), Limit: f.limit}
	if in.email != "" {
		q.Subject = in.email
	}
	switch q.Kind {
	case "", model.KindHashedRekord, model.KindDSSE, model.KindIntoto:
	default:
		return usageErr(fmt.Errorf("--kind %q: want hashedrekord, dsse or intoto", f.kind))
	}
	if f.limit <= 0 {
		return usageErr(fmt.Errorf("--limit %d: want at least 1", f.limit))
	}
	if in.sha != "" && in.artifact != "" {
		return usageErr(errors.New("give --sha or --artifact, not both"))
	}
	if in.sha != "" {
		h, err := mirror.NormalizeDigest(in.sha)
		if err != nil {
			return usageErr(fmt.Errorf("--sha: %w", err))
		}
		q.Digest = h
	}
	if in.artifact != "" {
		sum, err := sha256File(in.artifact)
		if err != nil {
			return usageErr(fmt.Errorf("reading --artifact: %w", err))
		}
		q.Digest = hex.EncodeToString(sum)
	}
	if in.pubKey != "" {
		b, err := readFileBounded(in.pubKey, maxSearchKeyFile)
		if err != nil {
			return usageErr(fmt.Errorf("reading --public-key: %w", err))
		}
		pub, err := proof.ParsePublicKeyPEM(b)
		if err != nil {
			return usageErr(fmt.Errorf("reading --public-key %s: %w", in.pubKey, err))
		}
		if q.KeyFingerprint, err = proof.KeyFingerprint(pub); err != nil {
			return usageErr(fmt.Errorf("reading --public-key %s: %w", in.pubKey, err))
		}
	}
	if q.Digest == "" && q.Subject == "" && q.Issuer == "" && q.KeyFingerprint == "" && q.Kind == "" {
		return usageErr(errors.New("give at least one of --sha, --artifact, --public-key, --email, --subject, --issuer, --kind"))
	}
	ctx := cmd.Context()
	sr, err := openMirrorSearcher(ctx, f.dir, in.logKey)
	if err != nil {
		return err
	}
	defer sr.Close()
	res, err := sr.Search(ctx, q)
	if err != nil {
		if errors.Is(err, mirror.ErrNoCheckpoint) {
			return usageErr(err)
		}
		return failed(err)
	}
	w := cmd.OutOrStdout()
	if in.json {
		type row struct {
			LogIndex       uint64         `json:"logIndex"`
			Kind           string         `json:"kind"`
			ArtifactDigest string         `json:"artifactDigest,omitempty"`
			PayloadHash    string         `json:"payloadHash,omitempty"`
			Signers        []model.Signer `json:"signers,omitempty"`
			LeafHash       string         `json:"leafHash"`
			InclusionProof []string       `json:"inclusionProof"`
		}
		rows := make([]row, 0, len(res.Hits))
		for _, h := range res.Hits {
			r := row{LogIndex: h.Index, Kind: string(h.Body.Kind), ArtifactDigest: h.Body.ArtifactDigest.String(), PayloadHash: h.Body.PayloadHash.String(), LeafHash: hex.EncodeToString(h.LeafHash), InclusionProof: []string{}}
			for _, s := range h.Body.Signatures {
				r.Signers = append(r.Signers, s.Signer)
			}
			for _, p := range h.Proof {
				r.InclusionProof = append(r.InclusionProof, hex.EncodeToString(p))
			}
			rows = append(rows, r)
		}
		return writeJSON(w, struct {
			Mirror   string `json:"mirror"`
			Origin   string `json:"origin"`
			TreeSize uint64 `json:"treeSize"`
			RootHash string `json:"rootHash"`
			Count    int    `json:"count"`
			More     bool   `json:"more"`
			Entries  []row  `json:"entries"`
		}{f.dir, res.Checkpoint.Origin, res.Checkpoint.Size, hex.EncodeToString(res.Checkpoint.RootHash), len(rows), res.More, rows})
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Mirror %s: checkpoint %s @ %d, root %x (signature verified)\n", safetext.Line(f.dir), safetext.Line(res.Checkpoint.Origin), res.Checkpoint.Size, res.Checkpoint.RootHash)
	fmt.Fprintf(&sb, "%d entr%s, each included in that checkpoint (proof computed from the mirrored tiles and verified)\n", len(res.Hits), map[bool]string{true: "y", false: "ies"}[len(res.Hits) == 1])
	for _, h := range res.Hits {
		fmt.Fprintf(&sb, "\n#%d  %s", h.Index, safetext.Line(string(h.Body.Kind)))
		if d := h.Body.ArtifactDigest.String(); d != "" {
			fmt.Fprintf(&sb, "  artifact %s", safetext.Line(d))
		}
		if d := h.Body.PayloadHash.String(); d != "" {
			fmt.Fprintf(&sb, "  payload %s", safetext.Line(d))
		}
		sb.WriteString("\n")
		for _, s := range h.Body.Signatures {
			sg := s.Signer
			if sg.Subject != "" || sg.Issuer != "" {
				fmt.Fprintf(&sb, "    signer %s (issuer %s)\n", safetext.Line(sg.Subject), safetext.Line(sg.Issuer))
			}
			if sg.KeyFingerprint != "" {
				fmt.Fprintf(&sb, "    key sha256:%s\n", safetext.Line(sg.KeyFingerprint))
			}
		}
	}
	if res.More {
		fmt.Fprintf(&sb, "\nmore entries match: raise --limit (%d)\n", f.limit)
	}
	_, err = fmt.Fprint(w, sb.String())
	return err
}
