package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
)

// tool runs a client binary in a sandbox (fresh HOME and TUF root) and
// returns its combined output and whether it exited 0.
func tool(t *testing.T, w *demo.World, home, bin string, args ...string) (string, bool) {
	t.Helper()
	return toolEnv(t, w, home, nil, bin, args...)
}

// toolEnv is tool with extra environment variables.
func toolEnv(t *testing.T, w *demo.World, home string, env []string, bin string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"TUF_ROOT="+filepath.Join(home, "tuf"),
		"DOCKER_CONFIG="+filepath.Join(home, "docker"),
		"SIGSTORE_REKOR_PUBLIC_KEY="+w.LogPublicKeyPath,
		"COSIGN_YES=true",
		"COSIGN_PASSWORD=",
	)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s timed out", filepath.Base(bin), strings.Join(args, " "))
	}
	return string(out), err == nil
}

// cosignVerify runs cosign verify for a case with the named key, or for a
// keyless case with its identity and issuer and the demo trusted root (the
// only flag cosign v2.6.5 needs to trust the demo CA and CT log for a legacy
// signature).
func cosignVerify(t *testing.T, w *demo.World, home, cosign string, tc demo.Case, keyName string) (string, bool) {
	t.Helper()
	args := []string{"verify", "--rekor-url", w.LogURL}
	switch {
	case tc.Keyless():
		args = append(args, "--certificate-identity", tc.Identity, "--certificate-oidc-issuer", tc.Issuer, "--trusted-root", w.TrustedRootPath)
	case tc.Format == "bundle":
		args = append(args, "--key", keyPath(t, w, keyName), "--new-bundle-format", "--trusted-root", w.TrustedRootPath)
	default:
		args = append(args, "--key", keyPath(t, w, keyName))
	}
	return tool(t, w, home, cosign, append(args, tc.Image)...)
}

// cosignVerifyAttestation runs cosign verify-attestation --type
// tc.Attestation with the case's key, or keyless with its identity and
// issuer. For a legacy attestation cosign v2.6.5 takes no --trusted-root
// ("only supported with --new-bundle-format"): the demo CA and CT log come
// from SIGSTORE_ROOT_FILE and SIGSTORE_CT_LOG_PUBLIC_KEY_FILE.
func cosignVerifyAttestation(t *testing.T, w *demo.World, home, cosign string, tc demo.Case) (string, bool) {
	t.Helper()
	args := []string{"verify-attestation", "--rekor-url", w.LogURL, "--type", tc.Attestation}
	var env []string
	if tc.Keyless() {
		args = append(args, "--certificate-identity", tc.Identity, "--certificate-oidc-issuer", tc.Issuer)
		env = []string{"SIGSTORE_ROOT_FILE=" + w.FulcioRootPath, "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=" + w.CTLogPublicKeyPath}
	} else {
		args = append(args, "--key", keyPath(t, w, tc.Key))
	}
	return toolEnv(t, w, home, env, cosign, append(args, tc.Image)...)
}

func keyPath(t *testing.T, w *demo.World, name string) string {
	t.Helper()
	k, ok := w.Key(name)
	if !ok {
		t.Fatalf("no key %q", name)
	}
	return k.PublicKeyPath
}

// TestCosignAgreesWithTheTable runs real cosign v2 against every case:
// verified cases must pass `cosign verify`, all others must fail; attestation
// cases must pass `cosign verify-attestation`; the old key must not verify
// the rotated image; another identity or issuer must not verify a keyless
// one; `cosign tree` must list exactly what registry/ finds;
// crane must list the same repositories and tags.
func TestCosignAgreesWithTheTable(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	crane := testenv.Tool(t, "crane")
	w := startWorld(t, "")
	home := t.TempDir()
	c := client()
	for _, tc := range w.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			out, ok := cosignVerify(t, w, home, cosign, tc, tc.Key)
			t.Logf("cosign verify: %s", lastLines(out, 3))
			if want := tc.Expect == model.VerdictVerified; ok != want {
				t.Errorf("cosign verify %s (%s) passed=%v, table expects %s\n%s", tc.Image, tc.Special, ok, tc.Expect, out)
			}
			// Failures must fail for the reason the table gives.
			if want, ok := cosignReasons[tc.Name]; ok && !strings.Contains(out, want) {
				t.Errorf("cosign verify %s failed without %q:\n%s", tc.Name, want, out)
			}
			switch tc.Name {
			case "old-key":
				if out, ok := cosignVerify(t, w, home, cosign, tc, "2026"); ok {
					t.Errorf("the 2026 key verified an image signed only with the 2025 key\n%s", out)
				}
			case "rotation-overlap":
				if out, ok := cosignVerify(t, w, home, cosign, tc, "2025"); !ok {
					t.Errorf("the 2025 key failed on the rotation-overlap image\n%s", out)
				}
			}
			if tc.Keyless() {
				for _, other := range []demo.Case{withSigner(tc, "mallory@provscope.example", tc.Issuer), withSigner(tc, tc.Identity, "https://issuer.invalid")} {
					out, ok := cosignVerify(t, w, home, cosign, other, "")
					if ok || !strings.Contains(out, "none of the expected identities matched") {
						t.Errorf("cosign verify %s as %s from %s: passed=%v, want a failure for the identity\n%s", tc.Image, other.Identity, other.Issuer, ok, out)
					}
				}
			}
			if tc.Attestation != "" {
				out, ok := cosignVerifyAttestation(t, w, home, cosign, tc)
				if !ok {
					t.Errorf("cosign verify-attestation --type %s failed\n%s", tc.Attestation, out)
				}
			}

			// cosign tree lists exactly what registry/ discovers.
			out, ok = tool(t, w, home, cosign, "tree", "--experimental-oci11", tc.Image)
			if !ok {
				t.Fatalf("cosign tree: %s", out)
			}
			atts, err := c.Discover(context.Background(), tc.Image)
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			var found []string
			for _, a := range atts {
				found = append(found, a.Source+" "+a.Digest)
			}
			slices.Sort(found)
			if tree := testenv.CosignTreeArtifacts(out); !slices.Equal(found, tree) {
				t.Errorf("registry/ discovers %v\ncosign tree lists %v", found, tree)
			}
		})
	}

	// crane lists the same repositories and tags.
	out, ok := tool(t, w, home, crane, "catalog", w.RegistryHost)
	if !ok {
		t.Fatalf("crane catalog: %s", out)
	}
	craneRepos := strings.Fields(out)
	p, err := c.Repositories(context.Background(), w.RegistryHost, "")
	if err != nil {
		t.Fatal(err)
	}
	var repos []string
	for _, r := range p.Items {
		repos = append(repos, r.Name)
	}
	slices.Sort(craneRepos)
	if !slices.Equal(repos, craneRepos) {
		t.Errorf("Repositories = %v, crane catalog = %v", repos, craneRepos)
	}
	for _, r := range repos {
		out, ok := tool(t, w, home, crane, "ls", w.RegistryHost+"/"+r)
		if !ok {
			t.Fatalf("crane ls: %s", out)
		}
		craneTags := strings.Fields(out)
		slices.Sort(craneTags)
		tp, err := c.Tags(context.Background(), w.RegistryHost+"/"+r, "")
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, tg := range tp.Items {
			tags = append(tags, tg.Name)
		}
		if !slices.Equal(tags, craneTags) {
			t.Errorf("Tags(%s) = %v, crane ls = %v", r, tags, craneTags)
		}
	}
}

func withSigner(tc demo.Case, identity, issuer string) demo.Case {
	tc.Identity, tc.Issuer = identity, issuer
	return tc
}

// cosignReasons is what cosign v2.6.5 says for each case that must fail.
var cosignReasons = map[string]string{
	"tampered":  "signature in bundle does not match signature being verified",
	"moved-tag": "no signatures found",
	"stealth":   "signature not found in transparency log",
	"unsigned":  "no signatures found",
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// TestRealCosignSignsIntoTheWorld signs the world's unsigned image with real
// cosign against the demo log, in the legacy format and with
// --new-bundle-format, and checks that registry/ discovers and parses both
// (with their log entries) and that cosign verifies them.
func TestRealCosignSignsIntoTheWorld(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	w := startWorld(t, "")
	home := t.TempDir()
	keys, err := w.WritePrivateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	var tc demo.Case
	for _, c := range w.Cases {
		if c.Name == "unsigned" {
			tc = c
		}
	}
	ref := tc.Image[:strings.LastIndex(tc.Image, ":")] + "@" + tc.Digest
	// Legacy first, verified before the bundle exists: once a bundle
	// referrer is present, cosign v2.6.5 verify switches to the bundle path.
	if out, ok := tool(t, w, home, cosign, "sign", "--key", keys[1], "--rekor-url", w.LogURL, ref); !ok {
		t.Fatalf("cosign sign: %s", out)
	}
	tc.Format = "legacy"
	if out, ok := cosignVerify(t, w, home, cosign, tc, "2026"); !ok {
		t.Errorf("cosign verify (legacy) after cosign sign: %s", out)
	}
	if out, ok := tool(t, w, home, cosign, "sign", "--key", keys[1], "--rekor-url", w.LogURL, "--new-bundle-format", ref); !ok {
		t.Fatalf("cosign sign --new-bundle-format: %s", out)
	}
	atts, err := client().Discover(context.Background(), ref)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	var legacy, bundle int
	for _, a := range atts {
		if a.Err != "" || a.Kind != model.AttachSignature || a.SignedDigest != tc.Digest || a.RekorBundle == nil {
			t.Errorf("cosign-made attachment parsed as %+v", a)
			continue
		}
		if strings.HasPrefix(a.Source, "referrer:") {
			bundle++
		} else {
			legacy++
		}
	}
	if legacy != 1 || bundle != 1 {
		t.Errorf("found %d legacy and %d bundle signatures, want 1 and 1", legacy, bundle)
	}
	tc.Format = "bundle"
	if out, ok := cosignVerify(t, w, home, cosign, tc, "2026"); !ok {
		t.Errorf("cosign verify --new-bundle-format after cosign sign: %s", out)
	}
}

// TestRekorCLISeesTheLoggedTwiceCase searches the demo log with real
// rekor-cli for the logged-twice payload: two entries. The stealth payload
// has none.
func TestRekorCLISeesTheLoggedTwiceCase(t *testing.T) {
	rekorCLI := testenv.Tool(t, "rekor-cli")
	w := startWorld(t, "")
	home := t.TempDir()
	t.Setenv("REKOR_REKOR_SERVER", w.LogURL)
	t.Setenv("REKOR_REKOR_SERVER_PUBLIC_KEY", string(w.LogPublicKeyPEM))
	for _, tc := range w.Cases {
		if tc.Name != "logged-twice" && tc.Name != "stealth" {
			continue
		}
		atts, err := client().Discover(context.Background(), tc.Image)
		if err != nil || len(atts) == 0 {
			t.Fatalf("Discover %s: %v (%d)", tc.Name, err, len(atts))
		}
		sum := sha256.Sum256(atts[0].Payload)
		out, ok := tool(t, w, home, rekorCLI, "search", "--sha", "sha256:"+hex.EncodeToString(sum[:]))
		n := 0
		for _, f := range strings.Fields(out) {
			if len(f) == 80 {
				n++
			}
		}
		if tc.LogEntries == 0 {
			if ok && n > 0 {
				t.Errorf("rekor-cli search found %d entries for the never-logged payload:\n%s", n, out)
			}
			continue
		}
		if !ok || n != tc.LogEntries {
			t.Errorf("rekor-cli search for %s: %d entries, want %d\n%s", tc.Name, n, tc.LogEntries, out)
		}
	}
}
