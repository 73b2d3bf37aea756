package proof_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
)

// updateBundleFixture regenerates testdata/bundle/selfmade: a key-signed
// v0.3 bundle logged in a one-entry Rekor-v1-shaped log whose key is in the
// fixture's own trusted root. It lets the bundle tests, the example, the
// benchmark and the fuzz seeds run without the real-world vectors.
var updateBundleFixture = flag.Bool("update-bundle-fixture", false, "regenerate proof/testdata/bundle/selfmade (new keys)")

const (
	fixtureDir      = "testdata/bundle/selfmade"
	fixtureHost     = "log.provscope.test"
	fixtureTreeID   = 7
	fixtureTime     = 1767225600 // 2026-01-01T00:00:00Z
	fixtureArtifact = "hello from provscope\n"
)

// TestUpdateBundleFixture is not a test: with -update-bundle-fixture it
// rewrites the self-made fixture; otherwise it checks the flag is off, so
// CI cannot regenerate silently.
func TestUpdateBundleFixture(t *testing.T) {
	if !*updateBundleFixture {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("-update-bundle-fixture must not run in CI")
	}
	logKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte(fixtureArtifact)
	digest := sha256.Sum256(artifact)
	sig, err := ecdsa.SignASN1(rand.Reader, signKey, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	signPEM, err := cryptoutils.MarshalPublicKeyToPEM(signKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	canonical, err := body.BuildHashedRekord(body.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(digest[:])}, sig, signPEM)
	if err != nil {
		t.Fatal(err)
	}
	logDER, err := cryptoutils.MarshalPublicKeyToDER(logKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	logID := sha256.Sum256(logDER)

	// SET over the canonical JSON of body, integratedTime, logID, logIndex.
	payload, err := json.Marshal(map[string]any{
		"body": base64.StdEncoding.EncodeToString(canonical), "integratedTime": fixtureTime,
		"logID": hex.EncodeToString(logID[:]), "logIndex": 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	canonPayload, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		t.Fatal(err)
	}
	setDigest := sha256.Sum256(canonPayload)
	set, err := ecdsa.SignASN1(rand.Reader, logKey, setDigest[:])
	if err != nil {
		t.Fatal(err)
	}

	// A one-leaf tree: the root is the leaf hash, the proof is empty.
	root := proof.LeafHash(canonical)
	logSigner, err := signature.LoadECDSASignerVerifier(logKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := util.CreateAndSignCheckpoint(context.Background(), fixtureHost, fixtureTreeID, 1, root, logSigner)
	if err != nil {
		t.Fatal(err)
	}

	keyHint := sha256.Sum256(mustDER(t, signKey.Public()))
	b64 := base64.StdEncoding.EncodeToString
	bundle := map[string]any{
		"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
		"verificationMaterial": map[string]any{
			"publicKey": map[string]any{"hint": b64(keyHint[:])},
			"tlogEntries": []any{map[string]any{
				"logIndex":          "0",
				"logId":             map[string]any{"keyId": b64(logID[:])},
				"kindVersion":       map[string]any{"kind": "hashedrekord", "version": "0.0.1"},
				"integratedTime":    "1767225600",
				"inclusionPromise":  map[string]any{"signedEntryTimestamp": b64(set)},
				"inclusionProof":    map[string]any{"logIndex": "0", "rootHash": b64(root), "treeSize": "1", "hashes": []any{}, "checkpoint": map[string]any{"envelope": string(cp)}},
				"canonicalizedBody": b64(canonical),
			}},
		},
		"messageSignature": map[string]any{
			"messageDigest": map[string]any{"algorithm": "SHA2_256", "digest": b64(digest[:])},
			"signature":     b64(sig),
		},
	}
	trustedRoot := map[string]any{
		"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		"tlogs": []any{map[string]any{
			"baseUrl":       "https://" + fixtureHost,
			"hashAlgorithm": "SHA2_256",
			"publicKey": map[string]any{
				"rawBytes": b64(logDER), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
				"validFor": map[string]any{"start": "2025-01-01T00:00:00Z"},
			},
			"logId": map[string]any{"keyId": b64(logID[:])},
		}},
		"certificateAuthorities": []any{},
		"ctlogs":                 []any{},
		"timestampAuthorities":   []any{},
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeJSONFile(t, filepath.Join(fixtureDir, "bundle.sigstore.json"), bundle)
	writeJSONFile(t, filepath.Join(fixtureDir, "trusted_root.json"), trustedRoot)
	if err := os.WriteFile(filepath.Join(fixtureDir, "key.pub"), signPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixtureDir, "artifact.txt"), artifact, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustDER(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
