package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/internal/loadgen"
	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/registry/embedded"
)

// realRekor is a real rekor-server (v1.5.4 on Trillian, started by
// scripts/real-rekor.sh) named by $PROVSCOPE_REAL_REKOR and
// $PROVSCOPE_REAL_REKOR_KEY.
type realRekor struct {
	url, keyFile string
}

// needRealRekor skips t when no real rekor-server is named, unless
// PROVSCOPE_REAL_REKOR_REQUIRED is set (as `make real-rekor-test` does): then
// a missing server fails t. A server that is named but unusable (half the
// variables, not loopback, no key file, not answering) always fails t.
func needRealRekor(t *testing.T) realRekor {
	t.Helper()
	u, k := os.Getenv("PROVSCOPE_REAL_REKOR"), os.Getenv("PROVSCOPE_REAL_REKOR_KEY")
	const how = "run `scripts/real-rekor.sh start DIR && source DIR/env`, then set " +
		"PROVSCOPE_REAL_REKOR=$REKOR_URL PROVSCOPE_REAL_REKOR_KEY=$REKOR_KEY"
	if u == "" && k == "" && os.Getenv("PROVSCOPE_REAL_REKOR_REQUIRED") == "" {
		t.Skip("no real rekor-server: " + how)
	}
	if u == "" || k == "" {
		t.Fatalf("PROVSCOPE_REAL_REKOR=%q PROVSCOPE_REAL_REKOR_KEY=%q (PROVSCOPE_REAL_REKOR_REQUIRED=%q): both must be set: %s",
			u, k, os.Getenv("PROVSCOPE_REAL_REKOR_REQUIRED"), how)
	}
	if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "http://localhost:") {
		t.Fatalf("PROVSCOPE_REAL_REKOR=%q: want a loopback URL (tests only talk to servers on this machine)", u)
	}
	if _, err := os.ReadFile(k); err != nil { //nolint:gosec // G304: the test runner names the key file
		t.Fatalf("PROVSCOPE_REAL_REKOR_KEY: %v", err)
	}
	rr := realRekor{url: strings.TrimSuffix(u, "/"), keyFile: k}
	rr.fetch(t, "/api/v1/log") // fails t when the server does not answer
	return rr
}

// fetch GETs path from the real server and returns the body.
func (r realRekor) fetch(t *testing.T, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d (%v): %.300s", path, resp.StatusCode, err, b)
	}
	return b
}

// pushRandomImage pushes a random one-layer image to reg and returns its
// tag reference.
func pushRandomImage(t *testing.T, reg *embedded.Registry, repo string) string {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Host() + "/" + repo + ":v1"
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return ref
}

// cliJSON runs provscope with args, checks the exit code and decodes stdout
// into v.
func cliJSON(t *testing.T, wantCode int, v any, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != wantCode {
		t.Fatalf("provscope %s = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, out, errs)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("provscope %s: decoding JSON output: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return out
}

// logInfoDoc is the part of `loginfo --output json` the test reads.
type logInfoDoc struct {
	Verdict string `json:"verdict"`
	KeySrc  string `json:"keySource"`
	Trees   []struct {
		TreeID     string `json:"treeID"`
		Active     bool   `json:"active"`
		Checkpoint struct {
			Origin string `json:"origin"`
			Size   uint64 `json:"size"`
		} `json:"checkpoint"`
		Previous *struct {
			Size uint64 `json:"size"`
		} `json:"previous"`
		Result struct {
			Steps []struct{ Name, Status string } `json:"steps"`
		} `json:"result"`
	} `json:"trees"`
}

// getDoc is the part of `get --output json` the test reads.
type getDoc struct {
	Entry struct {
		UUID     string `json:"uuid"`
		LogIndex int64  `json:"logIndex"`
		Kind     string `json:"kind"`
		Proof    *struct {
			LogIndex int64 `json:"logIndex"`
			TreeSize int64 `json:"treeSize"`
		} `json:"inclusionProof"`
	} `json:"entry"`
	TreeID string `json:"treeID"`
	Body   *struct {
		ArtifactDigest struct{ Algorithm, Hex string } `json:"artifactDigest"`
	} `json:"body"`
	Result struct {
		Verdict string                          `json:"verdict"`
		Steps   []struct{ Name, Status string } `json:"steps"`
	} `json:"result"`
}

var hex80 = regexp.MustCompile(`^[0-9a-f]{80}$`)

// TestRealRekor runs every pipeline command against a real rekor-server
// v1.5.4 on Trillian v1.7.3: sign, verify, report, search, get, proof,
// loginfo (with a consistency proof from the real Trillian between two
// runs) and verify-entry on the server's own response; then rekor-cli and
// cosign read the same entries as a cross-check.
func TestRealRekor(t *testing.T) {
	rr := needRealRekor(t)
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "real-rekor-test")
	reg, err := embedded.Start("")
	if err != nil {
		t.Fatalf("starting the registry: %v", err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	logArgs := []string{"--log", rr.url, "--log-key", rr.keyFile}
	with := func(args ...string) []string { return append(args, logArgs...) }

	// 1. loginfo: first sight of the tree, remembered.
	var li1 logInfoDoc
	cliJSON(t, exitOK, &li1, with("loginfo", "--output", "json")...)
	if li1.Verdict != "verified" || len(li1.Trees) != 1 || li1.Trees[0].TreeID == "" || !li1.Trees[0].Active {
		t.Fatalf("loginfo = %+v, want one verified active tree with an ID", li1)
	}
	tree := li1.Trees[0]
	if want := " - " + strings.TrimLeft(tree.TreeID, "0"); !strings.HasSuffix(tree.Checkpoint.Origin, want) {
		t.Errorf("checkpoint origin %q does not end in %q (Rekor's \"<hostname> - <tree ID>\")", tree.Checkpoint.Origin, want)
	}
	size1 := tree.Checkpoint.Size

	// 2. sign a fresh image with a fresh key (hashedrekord, .sig tag).
	image := pushRandomImage(t, reg, "real-rekor/app")
	keyDir := filepath.Join(dir, "keys")
	entryFile := filepath.Join(dir, "provenance-entry.json")
	var se signedEntry
	cliJSON(t, exitOK, &se, with("sign", image, "--generate-key", "--key-dir", keyDir, "--entry-file", entryFile, "--output", "json")...)
	pub := filepath.Join(keyDir, "cosign.pub")
	if !hex80.MatchString(se.UUID) || se.Format != "legacy" || se.LogIndex < int64(size1) || se.AlreadyLogged {
		t.Fatalf("sign = %+v, want a new 80-hex UUID at index >= %d", se, size1)
	}
	if got, want := strings.TrimLeft(se.UUID[:16], "0"), strings.TrimLeft(fmt.Sprintf("%016x", mustUint(t, tree.TreeID)), "0"); got != want {
		t.Errorf("entry UUID tree part %s, want the tree ID %s in hex (%s)", got, want, tree.TreeID)
	}

	// 3. verify with the right key, then with another key (must fail).
	var vd struct {
		Digest  string `json:"digest"`
		Verdict string `json:"verdict"`
	}
	cliJSON(t, exitOK, &vd, with("verify", image, "--key", pub, "--output", "json")...)
	if vd.Verdict != "verified" || vd.Digest != se.Digest {
		t.Errorf("verify = %+v, want verified %s", vd, se.Digest)
	}
	otherDir := filepath.Join(dir, "other")
	if code, out, errs := runCLI(t, "sign", pushRandomImage(t, reg, "real-rekor/unrelated"), "--generate-key", "--key-dir", otherDir, "--entry-file", "", "--log", rr.url, "--log-key", rr.keyFile); code != exitOK {
		t.Fatalf("sign with a second key = %d\n%s%s", code, out, errs)
	}
	cliJSON(t, exitFailed, &vd, with("verify", image, "--key", filepath.Join(otherDir, "cosign.pub"), "--output", "json")...)
	if vd.Verdict == "verified" {
		t.Errorf("verify with the wrong key = %s, want not verified", vd.Verdict)
	}

	// 4. report: JSON with the fields docs/report-schema.json requires.
	reportFile := filepath.Join(dir, "provenance-report.json")
	cliJSON(t, exitOK, nil, with("report", image, "--key", pub, "-o", reportFile)...)
	checkRealReport(t, reportFile, rr, image, se)

	// 5. get by UUID (80 and 64 hex) and by index: the same verified entry.
	var g getDoc
	cliJSON(t, exitOK, &g, with("get", "--uuid", se.UUID, "--output", "json")...)
	checkGet(t, "get --uuid", g, se)
	cliJSON(t, exitOK, &g, with("get", "--uuid", se.UUID[16:], "--output", "json")...)
	checkGet(t, "get --uuid (64 hex)", g, se)
	cliJSON(t, exitOK, &g, with("get", "--log-index", strconv.FormatInt(se.LogIndex, 10), "--output", "json")...)
	checkGet(t, "get --log-index", g, se)
	if g.Body == nil || g.Body.ArtifactDigest.Hex == "" {
		t.Fatalf("get: no artifact digest in the decoded body: %+v", g)
	}
	payloadDigest := g.Body.ArtifactDigest.Algorithm + ":" + g.Body.ArtifactDigest.Hex
	if code, _, errs := runCLI(t, with("get", "--log-index", "999999999")...); code != exitUsageErr {
		t.Errorf("get --log-index past the end = %d, want %d (no such entry)\n%s", code, exitUsageErr, errs)
	}

	// 6. search by the signed payload's digest and by the fresh key.
	var sd struct {
		Count   int `json:"count"`
		Entries []struct {
			UUID     string `json:"uuid"`
			LogIndex *int64 `json:"logIndex"`
		} `json:"entries"`
	}
	cliJSON(t, exitOK, &sd, with("search", "--sha", payloadDigest, "--output", "json")...)
	if sd.Count != 1 || len(sd.Entries) != 1 || sd.Entries[0].UUID != se.UUID || *sd.Entries[0].LogIndex != se.LogIndex {
		t.Errorf("search --sha %s = %+v, want exactly entry %s at %d", payloadDigest, sd, se.UUID, se.LogIndex)
	}
	cliJSON(t, exitOK, &sd, with("search", "--public-key", pub, "--output", "json")...)
	if sd.Count != 1 || sd.Entries[0].UUID != se.UUID {
		t.Errorf("search --public-key (fresh key, one entry) = %+v, want exactly %s", sd, se.UUID)
	}

	// 7. proof: the rebuilt root equals the signed checkpoint's.
	var pd struct {
		UUID         string `json:"uuid"`
		LogIndex     int64  `json:"logIndex"`
		ComputedRoot string `json:"computedRoot"`
		ExpectedRoot string `json:"expectedRoot"`
		Result       struct {
			Verdict string `json:"verdict"`
		} `json:"result"`
	}
	cliJSON(t, exitOK, &pd, with("proof", "--log-index", strconv.FormatInt(se.LogIndex, 10), "--output", "json")...)
	if pd.UUID != se.UUID || pd.ComputedRoot == "" || pd.ComputedRoot != pd.ExpectedRoot || pd.Result.Verdict != "verified" {
		t.Errorf("proof = %+v, want %s with computed root = checkpoint root", pd, se.UUID)
	}

	// 8. more entries (a bundle-format signature, a DSSE entry, and plain
	// hashedrekords), then loginfo proves the new tree head consistent
	// with the remembered one through Trillian's consistency proof.
	bundleImage := pushRandomImage(t, reg, "real-rekor/bundled")
	var se2 signedEntry
	cliJSON(t, exitOK, &se2, with("sign", bundleImage, "--key", filepath.Join(keyDir, "cosign.key"), "--new-bundle-format", "--entry-file", "", "--output", "json")...)
	if se2.Format != "bundle" || !hex80.MatchString(se2.UUID) || se2.LogIndex <= se.LogIndex {
		t.Errorf("sign --new-bundle-format = %+v, want a new entry after %d", se2, se.LogIndex)
	}
	cliJSON(t, exitOK, &g, with("get", "--uuid", se2.UUID, "--output", "json")...)
	if g.Entry.Kind != "dsse" || g.Result.Verdict != "verified" {
		t.Errorf("get of the bundle-format entry = kind %s, %s; want a verified dsse entry", g.Entry.Kind, g.Result.Verdict)
	}
	gen, err := loadgen.NewGenerator(fmt.Sprintf("real-rekor-test-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	lc := loadgen.NewClient(rr.url, 2)
	for i := range 5 {
		e, err := gen.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lc.Post(t.Context(), e); err != nil {
			t.Fatalf("posting entry %d: %v", i, err)
		}
	}
	var li2 logInfoDoc
	out := cliJSON(t, exitOK, &li2, with("loginfo", "--output", "json")...)
	if li2.Verdict != "verified" || len(li2.Trees) != 1 || li2.Trees[0].Previous == nil ||
		li2.Trees[0].Previous.Size != size1 || li2.Trees[0].Checkpoint.Size < size1+8 {
		t.Fatalf("second loginfo = %+v, want verified, remembered size %d, new size >= %d\n%s", li2, size1, size1+8, out)
	}
	if !hasStep(li2.Trees[0].Result.Steps, "consistency", "pass") {
		t.Errorf("second loginfo has no passed consistency step: %+v", li2.Trees[0].Result.Steps)
	}
	_, text, _ := runCLI(t, with("loginfo", "--dry-run")...)
	if !strings.Contains(text, "Verdict: verified") {
		t.Errorf("loginfo text output lacks the verdict:\n%s", text)
	}

	// 9. verify-entry on the server's own GET response, then on a copy
	// with one flipped bit in the body: verified, then failed.
	raw := rr.fetch(t, "/api/v1/log/entries/"+se.UUID)
	saved := filepath.Join(dir, "entry.json")
	if err := os.WriteFile(saved, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	veOut := cliJSON(t, exitOK, nil, "verify-entry", saved, "--log-key", rr.keyFile, "--output", "json")
	if !strings.Contains(veOut, `"verified"`) {
		t.Errorf("verify-entry output has no verified verdict:\n%s", veOut)
	}
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, flipBodyBit(t, raw), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "verify-entry", tampered, "--log-key", rr.keyFile, "--output", "json"); code != exitFailed {
		t.Errorf("verify-entry on a tampered body = %d, want %d\n%s", code, exitFailed, out)
	}

	// 10. Real clients on the same server and entries.
	t.Run("rekor-cli", func(t *testing.T) {
		rc := testenv.Tool(t, "rekor-cli")
		got := runTool(t, dir, nil, rc, "get", "--rekor_server", rr.url, "--uuid", se.UUID, "--format", "json")
		if !strings.Contains(got, `"LogIndex":`+strconv.FormatInt(se.LogIndex, 10)) {
			t.Errorf("rekor-cli get does not show log index %d:\n%s", se.LogIndex, got)
		}
		runTool(t, dir, nil, rc, "verify", "--rekor_server", rr.url, "--uuid", se.UUID)
		runTool(t, dir, nil, rc, "loginfo", "--rekor_server", rr.url)
	})
	t.Run("cosign", func(t *testing.T) {
		cosign := testenv.Tool(t, "cosign")
		env := []string{"SIGSTORE_REKOR_PUBLIC_KEY=" + rr.keyFile, "TUF_ROOT=" + filepath.Join(dir, "tuf")}
		got := runTool(t, dir, env, cosign, "verify", "--key", pub, "--rekor-url", rr.url, "--allow-insecure-registry", image)
		if !strings.Contains(got, "transparency log was verified") || !strings.Contains(got, se.Digest) {
			t.Errorf("cosign verify did not check the log entry of %s:\n%s", se.Digest, got)
		}
		// The bundle-format signature, through a trusted root naming the
		// real log: cosign and provscope both verify it.
		tr := filepath.Join(dir, "trusted_root.json")
		runTool(t, dir, env, cosign, "trusted-root", "create", "--rekor",
			fmt.Sprintf("url=%s,public-key=%s,start-time=2020-01-01T00:00:00Z", rr.url, rr.keyFile), "--out", tr)
		runTool(t, dir, env, cosign, "verify", "--key", pub, "--new-bundle-format", "--trusted-root", tr, "--allow-insecure-registry", bundleImage)
		cliJSON(t, exitOK, &vd, with("verify", bundleImage, "--key", pub, "--trusted-root", tr, "--output", "json")...)
		if vd.Verdict != "verified" || vd.Digest != se2.Digest {
			t.Errorf("verify of the bundle-format image = %+v, want verified %s", vd, se2.Digest)
		}
	})
}

func runTool(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	c := exec.CommandContext(t.Context(), bin, args...)
	c.Env = append(append(os.Environ(), "HOME="+dir), env...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("tree ID %q: %v", s, err)
	}
	return n
}

func hasStep(steps []struct{ Name, Status string }, name, status string) bool {
	for _, s := range steps {
		if strings.Contains(s.Name, name) && s.Status == status {
			return true
		}
	}
	return false
}

func checkGet(t *testing.T, what string, g getDoc, se signedEntry) {
	t.Helper()
	if g.Entry.UUID != se.UUID || g.Entry.LogIndex != se.LogIndex || g.Result.Verdict != "verified" || g.Entry.Kind != "hashedrekord" {
		t.Errorf("%s = %s at %d (%s, %s), want verified hashedrekord %s at %d", what, g.Entry.UUID, g.Entry.LogIndex, g.Entry.Kind, g.Result.Verdict, se.UUID, se.LogIndex)
	}
	if g.Entry.Proof == nil || g.Entry.Proof.LogIndex != se.LogIndex || g.Entry.Proof.TreeSize <= se.LogIndex {
		t.Errorf("%s: inclusion proof %+v, want leaf %d (one shard: local = global index)", what, g.Entry.Proof, se.LogIndex)
	}
	for _, want := range []string{"signed-entry-timestamp", "inclusion-proof", "checkpoint-signature", "checkpoint-match"} {
		if !hasStep(g.Result.Steps, want, "pass") {
			t.Errorf("%s: no passed %q step in %+v", what, want, g.Result.Steps)
		}
	}
}

// checkRealReport checks the report file against what
// docs/report-schema.json requires at the top level and what the signed
// entry says.
func checkRealReport(t *testing.T, file string, rr realRekor, image string, se signedEntry) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	schemaBytes, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "report-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Required []string `json:"required"`
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(schemaBytes, &schema); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, k := range schema.Required {
		if _, ok := doc[k]; !ok {
			t.Errorf("report lacks required %q", k)
		}
	}
	var r struct {
		Log struct {
			URL       string `json:"url"`
			KeySource string `json:"keySource"`
		} `json:"log"`
		Totals struct{ Images, Verified int } `json:"totals"`
		Images []struct {
			Reference, Digest, Verdict string
			Attachments                []struct {
				UUID     string `json:"entryUUID"`
				LogIndex *int64 `json:"logIndex"`
				Verdict  string `json:"verdict"`
			}
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Log.URL != rr.url || r.Totals.Images != 1 || r.Totals.Verified != 1 || len(r.Images) != 1 {
		t.Fatalf("report = %+v, want one verified image from %s", r, rr.url)
	}
	img := r.Images[0]
	if img.Reference != image || img.Digest != se.Digest || img.Verdict != "verified" || len(img.Attachments) != 1 ||
		img.Attachments[0].UUID != se.UUID || img.Attachments[0].LogIndex == nil || *img.Attachments[0].LogIndex != se.LogIndex {
		t.Errorf("report image = %+v, want %s verified by entry %s at %d", img, image, se.UUID, se.LogIndex)
	}
}

// flipBodyBit returns the saved GET response with one bit of the entry's
// base64 body flipped (the body decodes, but no longer hashes to the UUID).
func flipBodyBit(t *testing.T, raw []byte) []byte {
	t.Helper()
	var m map[string]map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
		t.Fatalf("server response is not one entry: %v", err)
	}
	for _, e := range m {
		body, _ := e["body"].(string)
		if len(body) < 10 {
			t.Fatalf("entry has no body: %v", e)
		}
		c := []byte(body)
		// Change a character in the middle, keeping it in the base64 alphabet.
		if c[len(c)/2] == 'A' {
			c[len(c)/2] = 'B'
		} else {
			c[len(c)/2] = 'A'
		}
		e["body"] = string(c)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
