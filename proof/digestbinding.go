package proof

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/provscope/provscope/proof/body"
)

// DigestBinding says how a log entry is tied to an image digest.
type DigestBinding string

// The bindings BindEntryToDigest decides.
const (
	// BindSimpleSigning: a hashedrekord entry whose artifact digest is the
	// SHA-256 of a cosign simple-signing payload naming the image digest.
	BindSimpleSigning DigestBinding = "simple-signing"
	// BindStatementSubject: a dsse or intoto entry whose payload hash is
	// that of an in-toto statement listing the image digest as a subject.
	BindStatementSubject DigestBinding = "statement-subject"
	// BindIndexOnly: the log's search index lists the entry under the
	// digest, but no payload at hand shows that the body is about it (a
	// dsse body keeps only the payload's hash).
	BindIndexOnly DigestBinding = "index-only"
	// BindNone: the entry is not about the digest.
	BindNone DigestBinding = "none"
)

// maxBindingPayload bounds a candidate payload BindEntryToDigest parses.
const maxBindingPayload = 1 << 20

// BindEntryToDigest decides whether the decoded entry body b is about
// imageDigest ("sha256:<hex>"), given candidate payloads gathered elsewhere
// (simple-signing payloads rebuilt or read from a registry, in-toto
// statements from DSSE envelopes). A candidate counts only when the body
// records its hash and it names imageDigest itself; indexed says the log's
// index listed the entry under the digest. The detail explains the answer
// in one line.
func BindEntryToDigest(b *body.Body, imageDigest string, candidates [][]byte, indexed bool) (DigestBinding, string) {
	alg, hexd, ok := strings.Cut(strings.ToLower(imageDigest), ":")
	if !ok || alg != "sha256" || len(hexd) != 64 {
		return BindNone, fmt.Sprintf("digest %q is not sha256:<64 hex digits>", imageDigest)
	}
	if b == nil {
		return BindNone, "the entry body cannot be decoded"
	}
	for _, c := range candidates {
		if len(c) == 0 || len(c) > maxBindingPayload {
			continue
		}
		switch {
		case b.ArtifactDigest.Hex != "" && body.CheckDigest(b, sha256Of(c)) == nil:
			if simpleSigningNames(c, alg+":"+hexd) {
				return BindSimpleSigning, "the entry signs the SHA-256 of a cosign simple-signing payload naming " + alg + ":" + hexd
			}
		case b.PayloadHash.Hex != "" && body.CheckPayloadHash(b, c) == nil:
			if statementNames(c, alg, hexd) {
				return BindStatementSubject, "the entry records the hash of an in-toto statement whose subject is " + alg + ":" + hexd
			}
		}
	}
	if indexed {
		return BindIndexOnly, "the log's index lists this entry under the digest; no payload at hand shows what the body signs"
	}
	return BindNone, "no payload at hand ties this entry to the digest"
}

func sha256Of(b []byte) body.Digest {
	d, _ := body.Sum("sha256", b) // sha256 is always known
	return d
}

// simpleSigningNames reports whether p is a cosign simple-signing payload
// whose critical.image names digest.
func simpleSigningNames(p []byte, digest string) bool {
	var ss struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if json.Unmarshal(p, &ss) != nil {
		return false
	}
	return ss.Critical.Type == "cosign container image signature" && strings.EqualFold(ss.Critical.Image.Digest, digest)
}

// statementNames reports whether p is an in-toto statement with a subject
// whose digest[alg] is hexd.
func statementNames(p []byte, alg, hexd string) bool {
	st, err := decodeStatement(p)
	return err == nil && st.NamesSubject(alg, hexd)
}
