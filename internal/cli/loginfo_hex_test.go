package cli

import (
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/provscope/provscope/inspect/inspecttest"
)

// TestLogInfoJSONHashesAreHex: loginfo --output json writes every hash of
// its own (the new checkpoint's root, the remembered root, the
// consistency proof) in hex, one encoding for the whole document.
func TestLogInfoJSONHashesAreHex(t *testing.T) {
	dir := isolateEnv(t)
	fake, err := inspecttest.NewFakeLog("fake.example", 7)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	keyFile := filepath.Join(dir, "log.pem")
	if err := os.WriteFile(keyFile, fake.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	history := inspecttest.History("a", 20)
	fake.SetHistory(history, 6)
	if code, out, errs := runCLI(t, "loginfo", "--log", srv.URL, "--log-key", keyFile); code != exitOK {
		t.Fatalf("first loginfo: exit %d\n%s%s", code, out, errs)
	}
	fake.SetHistory(history, 13)
	code, out, errs := runCLI(t, "loginfo", "--log", srv.URL, "--log-key", keyFile, "--output", "json")
	if code != exitOK {
		t.Fatalf("second loginfo: exit %d\n%s%s", code, out, errs)
	}
	var got struct {
		Trees []struct {
			Checkpoint struct {
				Size     uint64 `json:"size"`
				RootHash string `json:"rootHash"`
			} `json:"checkpoint"`
			Previous struct {
				RootHash string `json:"rootHash"`
			} `json:"previous"`
			Proof []string `json:"consistencyProof"`
		} `json:"trees"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Trees) != 1 {
		t.Fatalf("loginfo --output json: %v, %d trees\n%s", err, len(got.Trees), out)
	}
	tr := got.Trees[0]
	isHash := func(s string) bool {
		b, err := hex.DecodeString(s)
		return err == nil && len(b) == 32
	}
	if tr.Checkpoint.Size != 13 || !isHash(tr.Checkpoint.RootHash) {
		t.Errorf("checkpoint = %+v, want size 13 and a hex root", tr.Checkpoint)
	}
	if !isHash(tr.Previous.RootHash) {
		t.Errorf("previous.rootHash = %q, want hex", tr.Previous.RootHash)
	}
	if len(tr.Proof) == 0 {
		t.Fatal("no consistencyProof from size 6 to 13")
	}
	for i, h := range tr.Proof {
		if !isHash(h) {
			t.Errorf("consistencyProof[%d] = %q, want hex", i, h)
		}
	}
}
