package proof_test

import (
	"bytes"
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
	"testing/cryptotest"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
)

// updateBundleFixture rewrites testdata/bundle/selfmade from the
// deterministic generator below: a key-signed v0.3 bundle logged in a
// one-entry Rekor-v1-shaped log whose key is in the fixture's own trusted
// root. It lets the bundle tests, the example, the benchmark and the fuzz
// seeds run without the real-world vectors.
var updateBundleFixture = flag.Bool("update-bundle-fixture", false, "rewrite proof/testdata/bundle/selfmade from its generator")

const (
	fixtureDir      = "testdata/bundle/selfmade"
	fixtureHost     = "log.provscope.test"
	fixtureTreeID   = 7
	fixtureTime     = 1767225600 // 2026-01-01T00:00:00Z
	fixtureArtifact = "hello from provscope\n"
	// fixtureSeed seeds every key and signature of the fixture
	// (testing/cryptotest), so regenerating it gives the same bytes.
	fixtureSeed = 20260101
)

// TestBundleFixture regenerates the self-made fixture in memory and
// requires the committed files to be exactly what the generator makes: a
// hand edit, a stale file or a generator change all fail here. With
// -update-bundle-fixture (refused in CI) it writes the files instead.
//
// The generator draws its keys and signatures from testing/cryptotest's
// seeded source. Go does not promise that crypto/ecdsa consumes randomness
// the same way in every release: if a toolchain upgrade makes this test
// fail on key.pub, regenerate with -update-bundle-fixture and review the
// diff.
func TestBundleFixture(t *testing.T) {
	cryptotest.SetGlobalRandom(t, fixtureSeed)
	files := generateBundleFixture(t)
	if *updateBundleFixture {
		if os.Getenv("CI") != "" {
			t.Fatal("-update-bundle-fixture must not run in CI")
		}
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(fixtureDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Errorf("%s holds %d files, the generator makes %d", fixtureDir, len(entries), len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Errorf("reading the committed fixture: %v", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s differs from what the generator makes (run go test ./proof -run TestBundleFixture -update-bundle-fixture and review the diff)\ncommitted: %.200q\ngenerated: %.200q", fixtureDir, name, got, want)
		}
	}
}

// generateBundleFixture builds the fixture's files, name → bytes.
func generateBundleFixture(t *testing.T) map[string][]byte {
	t.Helper()
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
	return map[string][]byte{
		"bundle.sigstore.json": marshalFixtureJSON(t, bundle),
		"trusted_root.json":    marshalFixtureJSON(t, trustedRoot),
		"key.pub":              signPEM,
		"artifact.txt":         artifact,
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

func marshalFixtureJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
