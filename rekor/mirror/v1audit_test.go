package mirror_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

func auditV1(t *testing.T, w *mirrortest.World, dir string, chunk int) ([]mirror.V1Shard, error) {
	t.Helper()
	c, err := client.New(client.Config{URL: w.URL})
	if err != nil {
		t.Fatal(err)
	}
	return mirror.AuditV1(context.Background(), mirror.V1Config{Dir: dir, Client: c, KeyPEM: w.KeyPEM(), Chunk: chunk})
}

// swapBodies swaps the bodies of the entries at global indices a and b in
// a retrieve answer: the log serves its entries out of order.
func swapBodies(a, b int64) mirrortest.Mutator {
	return func(p string, raw []byte) []byte {
		if p != "/api/v1/log/entries/retrieve" {
			return raw
		}
		var answer []map[string]map[string]any
		if err := json.Unmarshal(raw, &answer); err != nil {
			return raw
		}
		var ea, eb map[string]any
		for _, m := range answer {
			for _, e := range m {
				switch int64(e["logIndex"].(float64)) {
				case a:
					ea = e
				case b:
					eb = e
				}
			}
		}
		if ea == nil || eb == nil {
			return raw
		}
		ea["body"], eb["body"] = eb["body"], ea["body"]
		out, _ := json.Marshal(answer)
		return out
	}
}

func TestAuditV1(t *testing.T) {
	w := mirrortest.Start(t)
	w.AddHashed(t, "v1", 25)
	dir := t.TempDir()
	shards, err := auditV1(t, w, dir, 10)
	if err != nil || len(shards) != 1 || shards[0].From != 0 || shards[0].To != 25 {
		t.Fatalf("AuditV1 = %+v, %v; want one shard audited 0..25", shards, err)
	}
	w.AddHashed(t, "v1b", 20)
	// Entries 31 and 32 swapped in the answers: the chunk 25..34 fails, and
	// nothing of it is kept.
	w.SetMutator(swapBodies(31, 32))
	_, err = auditV1(t, w, dir, 10)
	var le *mirror.LieError
	var tl *proof.TileLieError
	if !errors.As(err, &le) || !errors.As(err, &tl) || le.Range == nil || *le.Range != (proof.EntryRange{First: 25, Last: 34}) {
		t.Fatalf("AuditV1 with swapped entries = %v, want a lie about entries 25..34", err)
	}
	if len(le.Evidence) == 0 {
		t.Error("no evidence saved")
	}
	for _, p := range le.Evidence {
		if _, err := os.Stat(p); err != nil || filepath.Dir(p) != filepath.Join(dir, "evidence") {
			t.Errorf("evidence %s: %v", p, err)
		}
	}
	// Resumes from the last good chunk once the log tells the truth.
	w.SetMutator(nil)
	shards, err = auditV1(t, w, dir, 10)
	if err != nil || shards[0].From != 25 || shards[0].To != 45 {
		t.Fatalf("AuditV1 after the lie = %+v, %v; want 25..45", shards, err)
	}
}
