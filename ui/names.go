package ui

import (
	"strconv"
	"strings"

	"github.com/provscope/provscope/registry"
)

// flagMark starts a name that breaks the distribution-spec grammar.
const flagMark = "⚠"

// nameLabel shows a repository or tag name: as it is when valid is true,
// else flagged and quoted with every non-ASCII or non-printable character
// escaped, so that it cannot imitate another column (a tag named
// "v1 ✓ verified" shows as ⚠"v1 \u2713 verified").
func nameLabel(s string, valid bool) string {
	if valid {
		return s
	}
	return flagMark + strconv.QuoteToASCII(s)
}

// repoLabel and tagLabel check a name against the OCI distribution-spec
// grammar (registry.ValidRepository, registry.ValidTag): a registry can
// list any string, and a hostile one will, to put text on the screen.
func repoLabel(s string) string { return nameLabel(s, registry.ValidRepository(s)) }

func tagLabel(s string) string { return nameLabel(s, registry.ValidTag(s)) }

// refLabel shows an image reference "repo:tag" or "repo@digest" with its
// parts escaped and flagged as repoLabel and tagLabel do. It splits at the
// first ':' or '@', which a valid repository never holds; a hostile name
// that holds one is flagged either way.
func refLabel(ref string) string {
	for i := 0; i < len(ref); i++ {
		switch ref[i] {
		case '@':
			return repoLabel(ref[:i]) + "@" + safe(ref[i+1:])
		case ':':
			return repoLabel(ref[:i]) + ":" + tagLabel(ref[i+1:])
		}
	}
	return repoLabel(ref)
}

// tokenLabel shows a short machine word from a manifest (a platform such as
// "linux/arm64/v8", a media type) as it is when it holds only letters,
// digits and ".-_/+;=", else flagged and quoted as nameLabel does: these
// words sit in the name column, where a space and a "✓" could imitate a
// status.
func tokenLabel(s string) string {
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return nameLabel(s, false)
		}
	}
	return s
}

func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte(".-_/+;=", c) >= 0
}
