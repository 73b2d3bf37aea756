package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// copyToReplica copies the demo image src (by digest) to dst in the
// replica's backend, and its cosign .sig tag to sigRepo.
func copyToReplica(t *testing.T, src name.Digest, dst, sigRepo string) bool {
	t.Helper()
	sig := src.Context().Tag(registry.CosignTag(src.DigestStr(), registry.SuffixSignature))
	sigImg, err := remote.Image(sig)
	if err != nil {
		return false // signed another way (a bundle referrer)
	}
	desc, err := remote.Get(src)
	if err != nil {
		t.Fatal(err)
	}
	dstRef, err := name.ParseReference(dst)
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			t.Fatal(err)
		}
		err = remote.WriteIndex(dstRef, idx)
		if err != nil {
			t.Fatal(err)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(dstRef, img); err != nil {
			t.Fatal(err)
		}
	}
	sigDst, err := name.NewTag(sigRepo + ":" + sig.TagStr())
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(sigDst, sigImg); err != nil {
		t.Fatal(err)
	}
	return true
}

// TestVerifyAgainstHostedRegistryReplica runs `provscope verify` as it runs
// against ghcr.io or Docker Hub: a registry without a catalog that wants a
// bearer token, credentials from a Docker credential helper, pull quota
// headers, and the signature stored in another repository named by
// COSIGN_REPOSITORY. The verdict is the demo case's, and the image manifest
// is pulled once.
func TestVerifyAgainstHostedRegistryReplica(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	rep := replica.StartRegistry(replica.RegistryOptions{Users: map[string]string{"ci": "token"}, Quota: 100})
	t.Cleanup(rep.Close)

	var c *demo.Case
	var digest name.Digest
	for i := range w.Cases {
		cs := &w.Cases[i]
		if cs.Expect != model.VerdictVerified || cs.Key == "" || cs.Digest == "" {
			continue
		}
		ref, err := name.ParseReference(cs.Image)
		if err != nil {
			t.Fatal(err)
		}
		src := ref.Context().Digest(cs.Digest)
		if copyToReplica(t, src, rep.Backend()+"/mirror/app:v1", rep.Backend()+"/sigs") {
			c, digest = cs, src
			break
		}
	}
	if c == nil {
		t.Fatal("the demo world has no verified case signed with a .sig tag")
	}

	// Credentials through a credential helper, as on a CI runner.
	bin, cfgDir := filepath.Join(dir, "bin"), filepath.Join(dir, "docker")
	for _, p := range []string{bin, cfgDir} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'\"$server\"'\",\"Username\":\"ci\",\"Secret\":\"token\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-test"), []byte(helper), 0o700); err != nil { //nolint:gosec // G306: the helper must be executable
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), fmt.Appendf(nil, `{"credHelpers":{%q:"test"}}`, rep.Host()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", cfgDir)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	image := rep.Host() + "/mirror/app@" + digest.DigestStr()
	args := []string{
		"verify", image, "--output", "json", "--key", demoKeyPath(w, c.Key),
		"--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--trusted-root", w.TrustedRootPath,
	}
	verdict := func(out, errs string) string {
		var doc struct{ Verdict string }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("verify --output json: %v\n%s%s", err, out, errs)
		}
		return doc.Verdict
	}

	t.Setenv("COSIGN_REPOSITORY", rep.Host()+"/sigs")
	code, out, errs := runCLI(t, args...)
	if v := verdict(out, errs); code != exitOK || v != model.VerdictVerified.String() {
		t.Fatalf("verify with COSIGN_REPOSITORY = %d %s, want %d verified\n%s%s", code, v, exitOK, out, errs)
	}
	if n := rep.Count("GET", "/v2/mirror/app/manifests/"+digest.DigestStr()); n != 1 {
		t.Errorf("image manifest pulled %d times, want 1; requests: %v", n, rep.Counts())
	}

	t.Setenv("COSIGN_REPOSITORY", "")
	code, out, errs = runCLI(t, args...)
	if v := verdict(out, errs); code != exitFailed || v != model.VerdictUnsigned.String() {
		t.Errorf("verify without COSIGN_REPOSITORY = %d %s, want %d unsigned (the signature is elsewhere)", code, v, exitFailed)
	}
}
