package registry_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCraneRegistry runs `crane registry serve` on loopback and waits for it.
func startCraneRegistry(t *testing.T, crane string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, crane, "registry", "serve", "--address", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cancel(); <-exited })
	// No wall-clock bound on a busy machine: crane either answers or exits
	// (both seen here); a hang is left to go test's -timeout.
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return addr
		}
		select {
		case <-exited:
			t.Fatalf("crane registry serve exited before serving on %s: %v", addr, waitErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runTool runs a client binary with env and returns its stdout.
func runTool(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// toolEnv is a sandbox for cosign: a fresh HOME and TUF root, no password.
func toolEnv(dir string) []string {
	return []string{"HOME=" + dir, "TUF_ROOT=" + filepath.Join(dir, "tuf"), "COSIGN_PASSWORD=", "COSIGN_YES=true", "DOCKER_CONFIG=" + filepath.Join(dir, "docker")}
}

func discoveredArtifacts(atts []model.Attachment) []string {
	var got []string
	for _, a := range atts {
		got = append(got, a.Source+" "+a.Digest)
	}
	slices.Sort(got)
	return got
}

// TestCraneAndCosignInterop pushes an image with crane into `crane registry
// serve`, signs, attests and attaches an SBOM with real cosign (no log), and
// checks that registry/ discovers and parses exactly what cosign tree lists
// and lists what crane lists.
func TestCraneAndCosignInterop(t *testing.T) {
	crane := testenv.Tool(t, "crane")
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	env := toolEnv(dir)
	host := startCraneRegistry(t, crane)

	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(host + "/team/app:v1")
	if err := tarball.WriteToFile(filepath.Join(dir, "img.tar"), tag, img); err != nil {
		t.Fatal(err)
	}
	runTool(t, dir, env, crane, "push", "img.tar", tag.String())
	runTool(t, dir, env, crane, "copy", tag.String(), host+"/team/app:v2")
	runTool(t, dir, env, crane, "copy", tag.String(), host+"/other:latest")
	digest := strings.TrimSpace(runTool(t, dir, env, crane, "digest", tag.String()))
	ref := host + "/team/app@" + digest

	runTool(t, dir, env, cosign, "generate-key-pair")
	runTool(t, dir, env, cosign, "sign", "--key", "cosign.key", "--tlog-upload=false", ref)
	pred := `{"builder":{"id":"https://example.com/builder"},"buildType":"https://example.com/type","materials":[{"uri":"git+https://example.com/src","digest":{"sha1":"deadbeef"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "pred.json"), []byte(pred), 0o600); err != nil {
		t.Fatal(err)
	}
	runTool(t, dir, env, cosign, "attest", "--key", "cosign.key", "--tlog-upload=false", "--type", "slsaprovenance", "--predicate", "pred.json", ref)
	sbom := `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x","packages":[{"name":"a","SPDXID":"SPDXRef-a"},{"name":"b","SPDXID":"SPDXRef-b"}]}`
	if err := os.WriteFile(filepath.Join(dir, "sbom.json"), []byte(sbom), 0o600); err != nil {
		t.Fatal(err)
	}
	runTool(t, dir, env, cosign, "attach", "sbom", "--sbom", "sbom.json", "--type", "spdx", ref)

	// A bundle referrer in a registry without the referrers API lands in
	// the fallback tag "sha256-<hex>"; Discover must find it there.
	dref, _ := name.NewDigest(ref)
	signer := mustSigner(t, "interop")
	stmt, _ := cosignfmt.CosignSignStatement(digest)
	envelope, _ := signer.SignDSSE(registry.MediaTypeInToto, stmt)
	b, _ := signer.DSSEBundle(envelope, nil)
	if _, err := cosignfmt.WriteBundleReferrer(dref, b, registry.PredicateCosignSign, time.Unix(0, 0)); err != nil {
		t.Fatalf("writing a referrer to crane's registry: %v", err)
	}

	c := testClient()
	atts, err := c.Discover(context.Background(), ref)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	kinds := map[model.AttachmentKind]model.Attachment{}
	referrers := 0
	for _, a := range atts {
		if a.Err != "" {
			t.Errorf("attachment %s %s: %s", a.Source, a.Digest, a.Err)
		}
		if strings.HasPrefix(a.Source, "referrer:") {
			referrers++
			if a.Kind != model.AttachSignature || a.SignedDigest != digest {
				t.Errorf("fallback-tag referrer parsed as %+v", a)
			}
			continue
		}
		kinds[a.Kind] = a
	}
	if referrers != 1 {
		t.Errorf("found %d referrers through the fallback tag, want 1", referrers)
	}
	if s := kinds[model.AttachSignature]; s.SignedDigest != digest || len(s.Signature) == 0 || s.RekorBundle != nil {
		t.Errorf("cosign signature parsed as %+v, want digest %s, a signature, no rekor bundle", s, digest)
	}
	if a := kinds[model.AttachAttestation]; a.PredicateType != registry.PredicateSLSAv02 || a.Builder != "https://example.com/builder" ||
		a.SignedDigest != digest || !slices.Equal(a.Materials, []string{"git+https://example.com/src@sha1:deadbeef"}) {
		t.Errorf("cosign attestation parsed as %+v", a)
	}
	if s := kinds[model.AttachSBOM]; s.SBOMFormat != "spdx" || s.SBOMPackages != 2 {
		t.Errorf("cosign sbom parsed as format %q packages %d, want spdx 2", s.SBOMFormat, s.SBOMPackages)
	}
	tree := testenv.CosignTreeArtifacts(runTool(t, dir, env, cosign, "tree", "--experimental-oci11", ref))
	t.Logf("cosign tree lists %d artifacts: %v", len(tree), tree)
	if len(tree) != 4 {
		t.Errorf("cosign tree lists %d artifacts, want 4 (signature, attestation, sbom, bundle referrer)", len(tree))
	}
	if got := discoveredArtifacts(atts); !slices.Equal(got, tree) {
		t.Errorf("Discover = %v\ncosign tree = %v", got, tree)
	}

	// crane catalog and crane ls list the same repositories and tags.
	wantRepos := strings.Fields(runTool(t, dir, env, crane, "catalog", host))
	p, err := c.Repositories(context.Background(), host, "")
	if err != nil {
		t.Fatal(err)
	}
	var repos []string
	for _, r := range p.Items {
		repos = append(repos, r.Name)
	}
	slices.Sort(wantRepos)
	if !slices.Equal(repos, wantRepos) {
		t.Errorf("Repositories = %v, crane catalog = %v", repos, wantRepos)
	}
	wantTags := strings.Fields(runTool(t, dir, env, crane, "ls", host+"/team/app"))
	tp, err := c.Tags(context.Background(), host+"/team/app", "")
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, tg := range tp.Items {
		tags = append(tags, tg.Name)
		if tg.Err != "" {
			t.Errorf("tag %s: %s", tg.Name, tg.Err)
		}
	}
	slices.Sort(wantTags)
	if !slices.Equal(tags, wantTags) {
		t.Errorf("Tags = %v, crane ls = %v", tags, wantTags)
	}
}
