package proof_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
)

// mutationCase is one entry of testdata/bundle/mutations.json.
type mutationCase struct {
	Desc     string   `json:"desc"`
	Base     string   `json:"base"`
	Mutation mutation `json:"mutation"`
	// WantErr is the step that must fail first; "" means the bundle must
	// verify.
	WantErr string `json:"wantErr"`
}

type mutation struct {
	Op     string `json:"op"`
	Path   string `json:"path"`
	Byte   int    `json:"byte"`
	Bit    uint   `json:"bit"`
	Old    string `json:"old"`
	New    string `json:"new"`
	Value  string `json:"value"`
	SAN    string `json:"san"`
	Issuer string `json:"issuer"`
}

// selfmadeOptions returns the self-made fixture's bundle and options.
func selfmadeOptions(t testing.TB) ([]byte, proof.BundleOptions) {
	t.Helper()
	dir := filepath.FromSlash(fixtureDir)
	return readFile(t, filepath.Join(dir, "bundle.sigstore.json")), proof.BundleOptions{
		TrustedRoot: readFile(t, filepath.Join(dir, "trusted_root.json")),
		Artifact:    readFile(t, filepath.Join(dir, "artifact.txt")),
		Key:         readFile(t, filepath.Join(dir, "key.pub")),
	}
}

// baseCase loads a mutation base: the self-made fixture or a real-world
// conformance case (skipping when those vectors are absent).
func baseCase(t *testing.T, base string) ([]byte, proof.BundleOptions) {
	t.Helper()
	if base == "selfmade" {
		return selfmadeOptions(t)
	}
	dir, cases := loadIndex(t)
	for _, c := range cases {
		if filepath.Dir(c.File) == base {
			return readFile(t, filepath.Join(dir, c.File)), caseOptions(t, dir, c)
		}
	}
	t.Fatalf("base %q not in INDEX.json", base)
	return nil, proof.BundleOptions{}
}

// TestBundleMutations walks testdata/bundle/mutations.json: each mutation
// of a valid bundle must fail at the named step (or verify when wantErr is
// empty).
func TestBundleMutations(t *testing.T) {
	var cases []mutationCase
	if err := json.Unmarshal(readFile(t, "testdata/bundle/mutations.json"), &cases); err != nil {
		t.Fatalf("reading mutations.json: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.Desc, func(t *testing.T) {
			raw, opts := baseCase(t, tc.Base)
			mutated, err := applyMutation(raw, &opts, tc.Mutation)
			if err != nil {
				t.Fatalf("applying %+v: %v", tc.Mutation, err)
			}
			res := proof.VerifyBundle(mutated, opts)
			got := ""
			if f := res.FirstFailure(); f != nil {
				got = f.Name
			}
			if got != tc.WantErr {
				t.Errorf("VerifyBundle(%s) first failure = %q, want %q; reason: %s", tc.Desc, got, tc.WantErr, res.Reason())
			}
			if (res.Verdict() == model.VerdictVerified) != (tc.WantErr == "") {
				t.Errorf("VerifyBundle(%s) verdict = %v, want failure %q", tc.Desc, res.Verdict(), tc.WantErr)
			}
			var lib *proof.LibraryVerdictError
			if f := res.FirstFailure(); f != nil && errors.As(f.Err, &lib) {
				t.Errorf("VerifyBundle(%s): only sigstore-go's verdict caught it: %v", tc.Desc, f.Err)
			}
			if libErr := independentVerify(mutated, opts); (libErr == nil) != (res.Verdict() == model.VerdictVerified) {
				t.Errorf("VerifyBundle(%s) verdict %v, independent sigstore-go says %v", tc.Desc, res.Verdict(), libErr)
			}
		})
	}
}

// applyMutation edits a bundle (as generic JSON) or the options.
func applyMutation(raw []byte, opts *proof.BundleOptions, m mutation) ([]byte, error) {
	switch m.Op {
	case "none":
		return raw, nil
	case "truncate":
		return raw[:min(m.Byte, len(raw))], nil
	case "artifact":
		opts.Artifact, opts.ArtifactDigest = []byte(m.Value), nil
		return raw, nil
	case "no-key":
		opts.Key = nil
		return raw, nil
	case "identity":
		id := *opts.Identity
		if m.SAN != "" {
			id.SAN = m.SAN
		}
		if m.Issuer != "" {
			id.Issuer = m.Issuer
		}
		opts.Identity = &id
		return raw, nil
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	parts := strings.Split(m.Path, ".")
	parent, err := walkJSON(doc, parts[:len(parts)-1])
	if err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	get := func() (string, error) {
		v, err := walkJSON(parent, []string{last})
		if err != nil {
			return "", err
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s is %T, not a string", m.Path, v)
		}
		return s, nil
	}
	var newValue any
	switch m.Op {
	case "delete":
		obj, ok := parent.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("cannot delete from %T", parent)
		}
		delete(obj, last)
		return json.Marshal(doc)
	case "set":
		newValue = m.Value
	case "replace":
		s, err := get()
		if err != nil {
			return nil, err
		}
		if !strings.Contains(s, m.Old) {
			return nil, fmt.Errorf("%s lacks %q", m.Path, m.Old)
		}
		newValue = strings.Replace(s, m.Old, m.New, 1)
	case "flip-bit", "replace-b64":
		s, err := get()
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not base64: %w", m.Path, err)
		}
		if m.Op == "replace-b64" {
			if !strings.Contains(string(b), m.Old) {
				return nil, fmt.Errorf("%s lacks %q", m.Path, m.Old)
			}
			b = []byte(strings.Replace(string(b), m.Old, m.New, 1))
		} else {
			i := m.Byte
			if i < 0 {
				i += len(b)
			}
			if i < 0 || i >= len(b) {
				return nil, fmt.Errorf("byte %d outside %d bytes", m.Byte, len(b))
			}
			b[i] ^= 1 << m.Bit
		}
		newValue = base64.StdEncoding.EncodeToString(b)
	default:
		return nil, fmt.Errorf("unknown mutation %q", m.Op)
	}
	switch p := parent.(type) {
	case map[string]any:
		p[last] = newValue
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i >= len(p) {
			return nil, fmt.Errorf("bad index %q", last)
		}
		p[i] = newValue
	}
	return json.Marshal(doc)
}

func walkJSON(v any, path []string) (any, error) {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[p]
			if !ok {
				return nil, fmt.Errorf("no field %q", p)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("bad index %q", p)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("cannot descend into %T at %q", v, p)
		}
	}
	return v, nil
}

// TestBundleEmbeddedRoot checks the embedded production root has both the
// Rekor v1 and the first Rekor v2 log.
func TestBundleEmbeddedRoot(t *testing.T) {
	tr, err := proof.ParseTrustedRoot(nil)
	if err != nil {
		t.Fatalf("ParseTrustedRoot(nil) = %v", err)
	}
	var urls []string
	for _, l := range tr.RekorLogs() {
		urls = append(urls, l.BaseURL)
	}
	for _, want := range []string{"https://rekor.sigstore.dev", "https://log2025-1.rekor.sigstore.dev"} {
		if !strings.Contains(strings.Join(urls, " "), want) {
			t.Errorf("embedded root logs %v lack %s", urls, want)
		}
	}
}

// TestBundleBadInput feeds hostile inputs: none may panic, all must fail.
func TestBundleBadInput(t *testing.T) {
	raw, opts := selfmadeOptions(t)
	tests := []struct {
		name   string
		bundle []byte
		opts   proof.BundleOptions
		want   string
	}{
		{"empty", nil, opts, proof.BundleStepBundleParse},
		{"JSON array", []byte("[1,2]"), opts, proof.BundleStepBundleParse},
		{"empty object", []byte("{}"), opts, proof.BundleStepMediaType},
		{"huge", append([]byte(`{"mediaType":"`), make([]byte, proof.MaxBundleSize)...), opts, proof.BundleStepBundleParse},
		{"bad base64", []byte(strings.Replace(string(raw), `"signature": "`, `"signature": "!!!`, 1)), opts, proof.BundleStepBundleParse},
		{"negative tree size", []byte(strings.Replace(string(raw), `"treeSize": "1"`, `"treeSize": "-1"`, 1)), opts, ""},
		{"garbage trusted root", raw, proof.BundleOptions{TrustedRoot: []byte("{"), Artifact: opts.Artifact, Key: opts.Key}, proof.BundleStepTrustedRoot},
		{"garbage key", raw, proof.BundleOptions{TrustedRoot: opts.TrustedRoot, Artifact: opts.Artifact, Key: []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")}, proof.BundleStepPublicKey},
		{"bad digest hex", raw, proof.BundleOptions{TrustedRoot: opts.TrustedRoot, ArtifactDigest: &proof.ArtifactDigest{Algorithm: "sha256", Hex: "zz"}, Key: opts.Key}, proof.BundleStepSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := proof.VerifyBundle(tc.bundle, tc.opts)
			if res.Verdict() == model.VerdictVerified {
				t.Fatalf("VerifyBundle(%s) verified", tc.name)
			}
			f := res.FirstFailure()
			if f == nil {
				t.Fatalf("VerifyBundle(%s) has no failing step", tc.name)
			}
			if tc.want != "" && f.Name != tc.want {
				t.Errorf("VerifyBundle(%s) first failure = %q (%s), want %q", tc.name, f.Name, f.Detail, tc.want)
			}
		})
	}
}

// TestBundleDigestInput verifies the self-made bundle from its digest.
func TestBundleDigestInput(t *testing.T) {
	raw, opts := selfmadeOptions(t)
	d, _ := proofSum(opts.Artifact)
	opts.Artifact, opts.ArtifactDigest = nil, &proof.ArtifactDigest{Algorithm: "sha256", Hex: d}
	if res := proof.VerifyBundle(raw, opts); res.Verdict() != model.VerdictVerified {
		t.Errorf("VerifyBundle(digest) = %v: %s", res.Verdict(), res.Reason())
	}
	opts.ArtifactDigest.Hex = strings.Repeat("0", 64)
	if res := proof.VerifyBundle(raw, opts); res.FirstFailure() == nil || res.FirstFailure().Name != proof.BundleStepSignature {
		t.Errorf("VerifyBundle(wrong digest) = %s, want failure at %s", res.Reason(), proof.BundleStepSignature)
	}
}

// ExampleVerifyBundle verifies a key-signed bundle logged in a one-entry
// log whose key is in the given trusted root.
func ExampleVerifyBundle() {
	dir := "testdata/bundle/selfmade"
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			panic(err)
		}
		return b
	}
	res := proof.VerifyBundle(read("bundle.sigstore.json"), proof.BundleOptions{
		TrustedRoot: read("trusted_root.json"),
		Artifact:    read("artifact.txt"),
		Key:         read("key.pub"),
	})
	for _, s := range res.Steps {
		fmt.Printf("%-22s %s\n", s.Name, s.Status)
	}
	fmt.Println(res.Verdict(), "-", res.Reason())
	// Output:
	// bundle-parse           pass
	// media-type             pass
	// trusted-root           pass
	// certificate            skipped
	// public-key             pass
	// sct                    skipped
	// identity               skipped
	// signature              pass
	// body-binding           pass
	// tlog-entry             pass
	// signed-entry-timestamp pass
	// inclusion-proof        pass
	// checkpoint             pass
	// timestamps             pass
	// verified - all checks passed
}

// BenchmarkVerifyBundle measures one full verification of the self-made
// bundle (steps plus sigstore-go's own verdict).
func BenchmarkVerifyBundle(b *testing.B) {
	raw, opts := selfmadeOptions(b)
	b.ReportAllocs()
	for b.Loop() {
		if res := proof.VerifyBundle(raw, opts); res.Verdict() != model.VerdictVerified {
			b.Fatal(res.Reason())
		}
	}
}

// BenchmarkVerifyBundleRealWorld measures a real certificate-signed v0.3
// bundle with the embedded production root (chain, SCT, identity).
func BenchmarkVerifyBundleRealWorld(b *testing.B) {
	dir := testenv.RealWorld(b)
	raw := readFile(b, filepath.Join(dir, "conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"))
	opts := proof.BundleOptions{
		Artifact: readFile(b, filepath.Join(dir, "conformance/bundle-verify/a.txt")),
		Identity: &proof.IdentityPolicy{
			SAN:    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
			Issuer: "https://token.actions.githubusercontent.com",
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := proof.VerifyBundle(raw, opts); res.Verdict() != model.VerdictVerified {
			b.Fatal(res.Reason())
		}
	}
}

// FuzzVerifyBundle feeds arbitrary bytes as the bundle: never a panic,
// always at least one step, and a verdict only with every step passing or
// skipped.
func FuzzVerifyBundle(f *testing.F) {
	raw, opts := selfmadeOptions(f)
	f.Add(raw)
	f.Add([]byte("{}"))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Add(raw[:len(raw)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		res := proof.VerifyBundle(data, opts)
		if len(res.Steps) == 0 {
			t.Fatal("no steps")
		}
		if res.Verdict() == model.VerdictVerified && res.FirstFailure() != nil {
			t.Fatal("verified with a failing step")
		}
	})
}

func proofSum(b []byte) (string, error) {
	d, err := bodySum(b)
	return d, err
}

func bodySum(b []byte) (string, error) {
	d, err := body.Sum("sha256", b)
	return d.Hex, err
}
