package ui_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
)

// TestExplorerExportReverifies: the explorer's e on a log entry writes
// the evidence set provscope export writes (evidence.json, a tlog-proof, a
// Sigstore bundle, the checkpoint) and an entries.json in Rekor's shape;
// all re-verify offline with the log key, and a flipped byte fails.
func TestExplorerExportReverifies(t *testing.T) {
	b, _, _, logPEM := loggedArtifact(t, "explorer-evidence", []byte("artifact\n"))
	a := startWith(t, b, 120, 40, func(c *ui.Common) {
		c.ExportDir = t.TempDir()
		c.LogName = "test"
		c.Now = time.Now
	})
	k := ui.DefaultKeyMap()
	press(t, a, k.Search)
	typeText(t, a, "0")
	send(t, a, keyMsg("enter"))
	press(t, a, k.Export)
	st := a.Status()
	i := strings.Index(st, " to ")
	if !strings.HasPrefix(st, "wrote ") || i < 0 {
		t.Fatalf("status after export = %q", st)
	}
	dir := st[i+4:]
	read := func(n string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, n)) }
	index, err := read(inspect.EvidenceIndexFile)
	if err != nil {
		t.Fatalf("the explorer's export has no evidence.json: %v", err)
	}
	doc, blobs, err := inspect.CheckEvidenceIndex(index, read)
	if err != nil || len(doc.Entries) != 1 || doc.Entries[0].TlogProof == "" || doc.Entries[0].Bundle == "" {
		t.Fatalf("CheckEvidenceIndex = %+v, %v; want one entry with a tlog-proof and a bundle", doc, err)
	}
	pub, err := proof.ParsePublicKeyPEM(logPEM)
	if err != nil {
		t.Fatal(err)
	}
	keys := proof.LogKeys{Public: pub}
	var tp []byte
	for _, b := range blobs {
		if strings.HasSuffix(b.Name, ".tlog-proof") {
			tp = b.Data
		}
	}
	if r := proof.ExplainTlogProof(tp, keys).Result; r.Verdict() != model.VerdictVerified {
		t.Fatalf("tlog-proof: %s", r.Reason())
	}
	entriesJSON, err := read("entries.json")
	if err != nil {
		t.Fatal(err)
	}
	es, err := proof.ParseEntryResponse(entriesJSON)
	if err != nil || len(es) != 1 {
		t.Fatalf("entries.json: %d entries, %v", len(es), err)
	}
	if r := proof.VerifyEntry(es[0], keys, proof.EntryOptions{}); r.Verdict() != model.VerdictVerified {
		t.Fatalf("entries.json: %s", r.Reason())
	}
	// The bundle's log entry verifies with the log key.
	bundle, _ := read(doc.Entries[0].Bundle)
	bes, err := inspect.BundleLogEntries(bundle)
	if err != nil || len(bes) != 1 {
		t.Fatalf("bundle: %d entries, %v", len(bes), err)
	}
	if r := proof.VerifyEntry(bes[0], keys, proof.EntryOptions{}); r.Verdict() != model.VerdictVerified {
		t.Fatalf("bundle entry: %s", r.Reason())
	}
	// A flipped byte anywhere in the tlog-proof fails.
	mut := bytes.Clone(tp)
	mut[len(mut)/2] ^= 1
	if proof.ExplainTlogProof(mut, keys).Result.Verdict() == model.VerdictVerified {
		t.Error("a flipped tlog-proof still verifies")
	}
}
