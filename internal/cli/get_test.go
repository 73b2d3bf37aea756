package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/server"
)

// embeddedLog is `provscope serve`'s log started on loopback for a test,
// with its key written to a file for --log-key.
type embeddedLog struct {
	log     *server.Log
	url     string
	keyFile string
	rekor   *client.Client
}

func startEmbeddedLog(t *testing.T) *embeddedLog {
	t.Helper()
	ctx := context.Background()
	l, err := server.Open(ctx, server.Config{Dir: t.TempDir(), Hostname: "provscope.test"})
	if err != nil {
		t.Fatalf("opening the embedded log: %v", err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = l.Close()
	})
	keyFile := filepath.Join(t.TempDir(), "log.pem")
	if err := os.WriteFile(keyFile, l.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return &embeddedLog{log: l, url: srv.URL, keyFile: keyFile, rekor: rc}
}

// uploadArtifacts signs and logs n artifacts with signer, returning their
// digests (hex) in log order.
func (e *embeddedLog) uploadArtifacts(t *testing.T, s *cosignfmt.Signer, prefix string, n int) []string {
	t.Helper()
	var digests []string
	for i := range n {
		payload := []byte(fmt.Sprintf("%s artifact %d", prefix, i))
		sig, err := s.SignMessage(strings.NewReader(string(payload)))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.rekor.Upload(context.Background(), cosignfmt.HashedRekordEntry(payload, sig, s.PublicKeyPEM())); err != nil {
			t.Fatalf("uploading: %v", err)
		}
		sum := sha256.Sum256(payload)
		digests = append(digests, hex.EncodeToString(sum[:]))
	}
	return digests
}

func testSigner(t *testing.T, seed string) *cosignfmt.Signer {
	t.Helper()
	k, err := cosignfmt.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGetAndSearchAgainstEmbeddedLog(t *testing.T) {
	dir := isolateEnv(t)
	lg := startEmbeddedLog(t)
	alice, bob := testSigner(t, "alice"), testSigner(t, "bob")
	aliceDigests := lg.uploadArtifacts(t, alice, "alice", 12)
	lg.uploadArtifacts(t, bob, "bob", 3)
	logArgs := []string{"--log", lg.url, "--log-key", lg.keyFile}

	code, out, errs := runCLI(t, append([]string{"get", "--log-index", "4"}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, "Verdict: verified") || !strings.Contains(out, "Log index:   4 (global)") {
		t.Fatalf("get --log-index 4 = %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, append([]string{"get", "--log-index", "4", "--output", "json"}, logArgs...)...)
	var doc struct {
		Entry struct {
			UUID     string `json:"uuid"`
			LogIndex int64  `json:"logIndex"`
		} `json:"entry"`
		Body struct {
			ArtifactDigest struct{ Hex string } `json:"artifactDigest"`
		} `json:"body"`
		Result struct {
			Verdict string `json:"verdict"`
			Steps   []struct {
				Name, Status string
			} `json:"steps"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
		t.Fatalf("get --output json = %d, %v\n%s%s", code, err, out, errs)
	}
	if doc.Entry.LogIndex != 4 || doc.Result.Verdict != "verified" || doc.Body.ArtifactDigest.Hex != aliceDigests[4] || len(doc.Result.Steps) < 4 {
		t.Errorf("get json = %+v", doc)
	}
	// By UUID, 80 and 64 hex.
	for _, id := range []string{doc.Entry.UUID, doc.Entry.UUID[16:]} {
		code, out, errs = runCLI(t, append([]string{"get", "--uuid", id}, logArgs...)...)
		if code != exitOK || !strings.Contains(out, "Log index:   4 ") {
			t.Errorf("get --uuid %s = %d\n%s%s", id, code, out, errs)
		}
	}
	// The wrong log key fails verification (exit 1).
	other := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(other, alice.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = runCLI(t, "get", "--log-index", "4", "--log", lg.url, "--log-key", other); code != exitFailed || !strings.Contains(out, "✗") {
		t.Errorf("get with the wrong log key = %d, want %d\n%s", code, exitFailed, out)
	}
	// Usage errors.
	for _, args := range [][]string{
		{"get"},
		{"get", "--uuid", "abc"},
		{"get", "--log-index", "-1"},
		{"get", "--log-index", "1", "--uuid", strings.Repeat("a", 64)},
		append([]string{"get", "--log-index", "999"}, logArgs...),
	} {
		if code, _, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("%v = %d, want %d (%s)", args, code, exitUsageErr, errs)
		}
	}

	// search by digest finds exactly one entry.
	code, out, errs = runCLI(t, append([]string{"search", "--sha", "sha256:" + aliceDigests[7], "--output", "json"}, logArgs...)...)
	var found struct {
		Count   int `json:"count"`
		Entries []struct {
			LogIndex int64 `json:"logIndex"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &found); err != nil || code != exitOK || found.Count != 1 || found.Entries[0].LogIndex != 7 {
		t.Errorf("search --sha = %d %+v %v\n%s%s", code, found, err, out, errs)
	}
	// search by public key pages through all 12 of alice's entries.
	aliceKey := filepath.Join(dir, "alice.pem")
	if err := os.WriteFile(aliceKey, alice.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, append([]string{"search", "--public-key", aliceKey}, logArgs...)...)
	if code != exitOK || !strings.HasPrefix(out, "12 entries") || strings.Count(out, "\n") != 14 {
		t.Errorf("search --public-key = %d\n%s%s", code, out, errs)
	}
	for i := range 12 {
		if !strings.Contains(out, "\n"+strconv.Itoa(i)+" ") {
			t.Errorf("search --public-key lacks index %d", i)
		}
	}
	// and: alice's key and the digest of her first artifact: one entry.
	code, out, _ = runCLI(t, append([]string{"search", "--public-key", aliceKey, "--sha", aliceDigests[0], "--operator", "and"}, logArgs...)...)
	if code != exitOK || !strings.HasPrefix(out, "1 entry") {
		t.Errorf("search and = %d\n%s", code, out)
	}
	// loginfo: first sight, then consistent growth on the real embedded log.
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...); code != exitOK || !strings.Contains(out, "size 15") {
		t.Fatalf("loginfo = %d\n%s%s", code, out, errs)
	}
	lg.uploadArtifacts(t, bob, "bob later", 5)
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...); code != exitOK || !strings.Contains(out, "links size 15 to 20") {
		t.Fatalf("loginfo after growth = %d\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{{"search"}, {"search", "--sha", "xyz"}, {"search", "--email", "a@b", "--operator", "xor"}} {
		if code, _, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("%v = %d, want %d (%s)", args, code, exitUsageErr, errs)
		}
	}
}
