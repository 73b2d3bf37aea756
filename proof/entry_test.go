package proof

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/model"
)

// testLog is a small Rekor-v1-like log: a reference tree, a key that signs
// SETs and checkpoints, a tree ID and a shard offset.
type testLog struct {
	signer *rekorV1Signer
	tree   *refTree
	treeID uint64
	offset int64 // global index of the shard's first leaf
}

func newTestLog(t testing.TB, bodies [][]byte) *testLog {
	l := &testLog{signer: newRekorV1Signer(t, "rekor.example.dev"), tree: &refTree{}, treeID: 0x1234abcd5678ef90, offset: 1000}
	for _, b := range bodies {
		l.tree.leaves = append(l.tree.leaves, LeafHash(b))
	}
	return l
}

func testBodies(n int) [][]byte {
	var out [][]byte
	for i := 0; i < n; i++ {
		out = append(out, []byte(fmt.Sprintf(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"n":%d}}`, i)))
	}
	return out
}

// anon renders leaf i as the LogEntryAnon JSON a Rekor v1 server returns.
func (l *testLog) anon(t testing.TB, body []byte, i int) (uuid string, js map[string]any) {
	size := len(l.tree.leaves)
	fp, _ := KeyFingerprint(&l.signer.priv.PublicKey)
	p := SETPayload{Body: body, IntegratedTime: 1700000000 + int64(i), LogID: fp, LogIndex: l.offset + int64(i)}
	root := l.tree.mth(0, size)
	cp := MarshalCheckpoint(model.Checkpoint{Origin: fmt.Sprintf("rekor.example.dev - %d", l.treeID), Size: uint64(size), RootHash: root, Extra: []string{"Timestamp: 1"}})
	var hashes []string
	for _, h := range l.tree.path(i, 0, size) {
		hashes = append(hashes, hex.EncodeToString(h))
	}
	js = map[string]any{
		"body":           base64.StdEncoding.EncodeToString(body),
		"integratedTime": p.IntegratedTime,
		"logID":          fp,
		"logIndex":       p.LogIndex,
		"verification": map[string]any{
			"signedEntryTimestamp": base64.StdEncoding.EncodeToString(signSET(t, l.signer.priv, p)),
			"inclusionProof": map[string]any{
				"logIndex":   i,
				"treeSize":   size,
				"rootHash":   hex.EncodeToString(root),
				"hashes":     hashes,
				"checkpoint": string(signNote(t, string(cp), l.signer)),
			},
		},
	}
	return fmt.Sprintf("%016x%x", l.treeID, LeafHash(body)), js
}

func TestVerifyEntrySynthetic(t *testing.T) {
	bodies := testBodies(11)
	l := newTestLog(t, bodies)
	keys := LogKeys{Public: &l.signer.priv.PublicKey}
	resp := map[string]any{}
	for i, b := range bodies {
		u, js := l.anon(t, b, i)
		resp[u] = js
	}
	raw, _ := json.Marshal(resp)
	entries, err := ParseEntryResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(bodies) {
		t.Fatalf("%d entries, want %d", len(entries), len(bodies))
	}
	for _, e := range entries {
		rep := ExplainEntry(e, keys, EntryOptions{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if rep.Result.Verdict() != model.VerdictVerified {
			t.Fatalf("entry %d: %s\n%+v", e.LogIndex, rep.Result.Reason(), rep.Result.Steps)
		}
		if len(rep.Result.Steps) != 8 {
			t.Errorf("entry %d: %d steps, want 8", e.LogIndex, len(rep.Result.Steps))
		}
		if e.Proof.LogIndex+l.offset != e.LogIndex {
			t.Errorf("entry %d: shard-local index %d", e.LogIndex, e.Proof.LogIndex)
		}
	}
	// The array form (POST /api/v1/log/entries/retrieve) and a bare entry.
	arr, _ := json.Marshal([]any{resp})
	if es, err := ParseEntryResponse(arr); err != nil || len(es) != len(bodies) {
		t.Errorf("array form: %d entries, %v", len(es), err)
	}
	_, js := l.anon(t, bodies[3], 3)
	bare, _ := json.Marshal(js)
	es, err := ParseEntryResponse(bare)
	if err != nil || len(es) != 1 || es[0].UUID != "" {
		t.Fatalf("bare form: %+v, %v", es, err)
	}
	if r := VerifyEntry(es[0], keys, EntryOptions{}); r.Verdict() != model.VerdictVerified {
		t.Errorf("bare entry: %s", r.Reason())
	}
	// A checkpoint origin naming another tree than the UUID fails.
	e := entries[0]
	e.UUID = fmt.Sprintf("%016x", l.treeID+1) + e.UUID[16:]
	if r := VerifyEntry(e, keys, EntryOptions{}); stepStatus(r, StepCheckpointMatch) != model.StatusFail {
		t.Errorf("tree ID mismatch: %s", r.Reason())
	}
	// A proof whose index is negative (bypassing the parser) fails, no panic.
	e = entries[0]
	p := *e.Proof
	p.LogIndex = -1
	e.Proof = &p
	if r := VerifyEntry(e, keys, EntryOptions{}); stepStatus(r, StepInclusionProof) != model.StatusFail {
		t.Errorf("negative proof index: %s", r.Reason())
	}
	// Zero-value entry: every step reports, nothing panics.
	if r := VerifyEntry(model.LogEntry{}, keys, EntryOptions{}); r.Verdict() != model.VerdictFailed {
		t.Errorf("zero entry: %s", r.Verdict())
	}
	if r := VerifyEntry(entries[0], LogKeys{}, EntryOptions{}); r.Verdict() != model.VerdictFailed {
		t.Errorf("no key: %s", r.Verdict())
	}
}

func TestParseEntryResponseErrors(t *testing.T) {
	l := newTestLog(t, testBodies(3))
	_, js := l.anon(t, testBodies(3)[1], 1)
	mut := func(f func(m map[string]any)) string {
		b, _ := json.Marshal(js)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		f(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	proofOf := func(m map[string]any) map[string]any {
		return m["verification"].(map[string]any)["inclusionProof"].(map[string]any)
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"whitespace", "  \n", "empty"},
		{"number", "42", "not a JSON"},
		{"truncated", mut(func(map[string]any) {})[:50], "invalid JSON"},
		{"empty map", "{}", "no entries"},
		{"bad uuid", `{"zz":{}}`, "UUID"},
		{"body not string", mut(func(m map[string]any) { m["body"] = 5 }), "body"},
		{"body bad base64", mut(func(m map[string]any) { m["body"] = "%%%" }), "base64"},
		{"no integratedTime", mut(func(m map[string]any) { delete(m, "integratedTime") }), "integratedTime"},
		{"negative integratedTime", mut(func(m map[string]any) { m["integratedTime"] = -1 }), "negative"},
		{"logID short", mut(func(m map[string]any) { m["logID"] = "abc" }), "logID"},
		{"no logIndex", mut(func(m map[string]any) { delete(m, "logIndex") }), "logIndex"},
		{"negative logIndex", mut(func(m map[string]any) { m["logIndex"] = -7 }), "negative"},
		{"string logIndex", mut(func(m map[string]any) { m["logIndex"] = "7" }), "invalid JSON"},
		{"bad SET base64", mut(func(m map[string]any) { m["verification"].(map[string]any)["signedEntryTimestamp"] = "!!" }), "invalid JSON"},
		{"negative proof index", mut(func(m map[string]any) { proofOf(m)["logIndex"] = -1 }), "negative"},
		{"zero tree size", mut(func(m map[string]any) { proofOf(m)["treeSize"] = 0 }), "treeSize"},
		{"bad root", mut(func(m map[string]any) { proofOf(m)["rootHash"] = "xyz" }), "rootHash"},
		{"bad hash", mut(func(m map[string]any) { proofOf(m)["hashes"] = []string{"00"} }), "hashes[0]"},
		{"too many hashes", mut(func(m map[string]any) { proofOf(m)["hashes"] = make([]string, 65) }), "more than 64"},
		{"missing proof index", mut(func(m map[string]any) { delete(proofOf(m), "logIndex") }), "logIndex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEntryResponse([]byte(tc.in))
			var me *MalformedError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseEntryResponse = %v, want *MalformedError mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := ParseEntryResponse(make([]byte, MaxEntryResponseSize+1)); err == nil {
		t.Error("oversized response: nil error")
	}
}
