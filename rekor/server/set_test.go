package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestStoredSET checks that a read serves the SET signed when the entry
// was created, and that an entry without a stored SET is damage: the log
// never signs a SET again.
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

	// Make it an old log: no sets column. A missing SET is damage: the
	// log refuses to open rather than sign one again.
	ctx := context.Background()
	w, _, err := openDB(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `ALTER TABLE entries DROP COLUMN sets`); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	l2, err := Open(ctx, Config{Dir: dir})
	var de *DamageError
	if !errors.As(err, &de) || de.Begin != 0 || de.End != 1 || !strings.Contains(de.Reason, "signed entry timestamp") {
		if err == nil {
			_ = l2.Close()
		}
		t.Errorf("Open() of a log without SETs = %v, want a *DamageError for entry 0", err)
	}
}
