package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProofTreeAgainstEmbeddedLog(t *testing.T) {
	isolateEnv(t)
	lg := startEmbeddedLog(t)
	lg.uploadArtifacts(t, testSigner(t, "carol"), "carol", 7)
	logArgs := []string{"--log", lg.url, "--log-key", lg.keyFile}

	code, out, errs := runCLI(t, append([]string{"proof", "--log-index", "2"}, logArgs...)...)
	if code != exitOK {
		t.Fatalf("proof --log-index 2 = %d\n%s%s", code, out, errs)
	}
	if testing.Verbose() {
		t.Log("\n" + out)
	}
	// Leaf 2 of 7: siblings (0,3), (1,0) and the ephemeral (2,1)* standing
	// for leaves 4–6; the root is (3,0)*.
	for _, want := range []string{"(3,0)*", "(2,0) ", "(1,1) ", "(0,2) ", "leaf, the entry", "(0,3) ", "proof[0]", "(1,0) ", "proof[1]", "(2,1)*", "proof[2]", "✓ equals the expected root", "Verdict: verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("proof output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	var tree []string
	for _, l := range lines {
		if strings.Contains(l, "(") && strings.Contains(l, ",") && (strings.HasPrefix(l, "(") || strings.ContainsAny(l, "├└")) {
			tree = append(tree, l)
		}
	}
	if len(tree) != 7 {
		t.Errorf("tree has %d node lines, want 7 (root, 3 rebuilt, leaf, 3 siblings minus shared):\n%s", len(tree), strings.Join(tree, "\n"))
	}

	code, out, _ = runCLI(t, append([]string{"proof", "--log-index", "6", "--output", "json"}, logArgs...)...)
	var doc struct {
		ShardIndex int64 `json:"shardIndex"`
		TreeSize   int64 `json:"treeSize"`
		Steps      []struct {
			Node string `json:"node"`
		} `json:"steps"`
		ComputedRoot, ExpectedRoot string
		Result                     struct{ Verdict string } `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
		t.Fatalf("proof --output json = %d %v\n%s", code, err, out)
	}
	if doc.ShardIndex != 6 || doc.TreeSize != 7 || len(doc.Steps) != 2 || doc.Steps[1].Node != "(3,0)" || doc.ComputedRoot != doc.ExpectedRoot || doc.Result.Verdict != "verified" {
		t.Errorf("proof json = %+v", doc)
	}
	if code, _, _ := runCLI(t, "proof"); code != exitUsageErr {
		t.Errorf("proof without --log-index = %d, want %d", code, exitUsageErr)
	}
}

// TestGetAndProofOnTilesLog reads the embedded log through its tlog-tiles
// API: the entry comes from an entry bundle, the proof is computed from tiles.
func TestGetAndProofOnTilesLog(t *testing.T) {
	isolateEnv(t)
	lg := startEmbeddedLog(t)
	lg.uploadArtifacts(t, testSigner(t, "dave"), "dave", 5)
	logArgs := []string{"--log", lg.url + "/api/v2", "--log-key", lg.keyFile}
	code, out, errs := runCLI(t, append([]string{"proof", "--log-index", "3"}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, "computed from tiles") || !strings.Contains(out, "(0,3)") || !strings.Contains(out, "Verdict: verified") {
		t.Fatalf("proof on the tiles API = %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, append([]string{"get", "--log-index", "4"}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, "Kind:        hashedrekord 0.0.1") {
		t.Fatalf("get on the tiles API = %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCLI(t, append([]string{"get", "--log-index", "5"}, logArgs...)...); code != exitUsageErr {
		t.Errorf("get beyond the tiles log = %d, want %d", code, exitUsageErr)
	}
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...); code != exitOK || !strings.Contains(out, "size 5") {
		t.Errorf("loginfo on the tiles API = %d\n%s%s", code, out, errs)
	}
	// An unreachable log cannot verify anything: exit 1.
	if code, _, errs := runCLI(t, "loginfo", "--log", "http://127.0.0.1:1"); code != exitFailed {
		t.Errorf("loginfo on an unreachable log = %d, want %d (%s)", code, exitFailed, errs)
	}
}
