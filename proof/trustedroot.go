package proof

import (
	_ "embed" // the production trusted root is compiled in
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// publicGoodTrustedRoot is the Sigstore public-good production
// trusted_root.json: Rekor v1 rekor.sigstore.dev (ECDSA P-256), Rekor v2
// log2025-1.rekor.sigstore.dev (Ed25519), Fulcio, the CT logs and the
// timestamp authority. It is sigstore/root-signing targets/trusted_root.json
// at commit 60cf2ce8b2e45d600dc17c4421e8c751e75772be (last changed in
// c9bda74a, "Update TR and SC for first Rekor v2 instance", 2025-09-22),
// copied byte for byte. sigstore-go v1.3.0's examples/trusted-root-public-good.json
// was not used: it predates log2025-1.
//
// A compiled-in root never updates itself: production use should refresh it
// through TUF (sigstore-go pkg/tuf) and pass it as BundleOptions.TrustedRoot.
//
//go:embed trustedroot/public-good.json
var publicGoodTrustedRoot []byte

// PublicGoodTrustedRoot returns a copy of the embedded production
// trusted_root.json.
func PublicGoodTrustedRoot() []byte {
	return append([]byte(nil), publicGoodTrustedRoot...)
}

// ParseTrustedRoot parses a trusted_root.json (Sigstore protobuf-specs
// TrustedRoot); nil or empty selects the embedded production root.
func ParseTrustedRoot(trustedRootJSON []byte) (*root.TrustedRoot, error) {
	if len(trustedRootJSON) == 0 {
		trustedRootJSON = publicGoodTrustedRoot
	}
	tr, err := root.NewTrustedRootFromJSON(trustedRootJSON)
	if err != nil {
		return nil, fmt.Errorf("parsing trusted root: %w", err)
	}
	return tr, nil
}
