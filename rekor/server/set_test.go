package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"
)

// TestStoredSET checks that a read serves the SET signed when the entry
// was created, and that an entry without a stored SET (a log made before
// SETs were kept, upgraded on open) gets a freshly signed, valid one.
func TestStoredSET(t *testing.T) {
	dir := t.TempDir()
	g := newGen(t)
	l, srv := testLog(t, Config{Dir: dir})
	r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, 0))
	if r.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.status, r.body)
	}
	id, created := oneEntry(t, r.body)
	checkEntry(t, l, id, created)
	r = call(t, http.MethodGet, srv.URL+"/api/v1/log/entries?logIndex=0", nil)
	_, read := oneEntry(t, r.body)
	checkEntry(t, l, id, read)
	if !bytes.Equal(read.Verification.SignedEntryTimestamp, created.Verification.SignedEntryTimestamp) {
		t.Errorf("read SET %x, want the stored %x", read.Verification.SignedEntryTimestamp, created.Verification.SignedEntryTimestamp)
	}
	srv.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Make it an old log: no sets column.
	ctx := context.Background()
	w, _, err := openDB(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `ALTER TABLE entries DROP COLUMN sets`); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()

	l2, srv2 := testLog(t, Config{Dir: dir})
	r = call(t, http.MethodGet, srv2.URL+"/api/v1/log/entries/"+id, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET after upgrade = %d %s", r.status, r.body)
	}
	_, old := oneEntry(t, r.body)
	checkEntry(t, l2, id, old)
	if len(old.Verification.SignedEntryTimestamp) == 0 {
		t.Error("entry without a stored SET: got no SET")
	}
	r = call(t, http.MethodPost, srv2.URL+"/api/v1/log/entries", entry(t, g, 1))
	if r.status != http.StatusCreated {
		t.Fatalf("POST after upgrade = %d %s", r.status, r.body)
	}
	id1, e1 := oneEntry(t, r.body)
	checkEntry(t, l2, id1, e1)
}
