package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// TestConcurrentWritesAnswerEachEntry: single POSTs and batches from many
// clients at once, committed in overlapping transactions and synced in
// groups, each get the answer for their own entry, with a distinct index,
// and nothing is lost.
func TestConcurrentWritesAnswerEachEntry(t *testing.T) {
	l, srv := testLog(t, Config{})
	g := newGen(t)
	const singles, clients, batches, batchSize = 240, 8, 6, 10
	entries := make([][]byte, singles+batches*batchSize)
	for i := range entries {
		entries[i] = entry(t, g, i)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	post := func(path string, body []byte) (int, []byte, error) {
		resp, err := hc.Post(srv.URL+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	answers := make([][]byte, len(entries)) // the entry answer for each entry
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients+batches)
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < singles; i = int(next.Add(1) - 1) {
				code, b, err := post("/api/v1/log/entries", entries[i])
				if err != nil || code != http.StatusCreated {
					errs <- fmt.Errorf("entry %d: %d %s %v", i, code, b, err)
					return
				}
				answers[i] = b
			}
		})
	}
	for k := range batches {
		wg.Go(func() {
			from := singles + k*batchSize
			code, b, err := post("/api/v1/log/entries/batch", batchBodyOf(entries[from:from+batchSize]))
			if err != nil || code != http.StatusMultiStatus {
				errs <- fmt.Errorf("batch %d: %d %s %v", k, code, b, err)
				return
			}
			var items []BatchItem
			if err := json.Unmarshal(b, &items); err != nil || len(items) != batchSize {
				errs <- fmt.Errorf("batch %d: %d items, %v", k, len(items), err)
				return
			}
			for j, it := range items {
				if it.Status != http.StatusCreated {
					errs <- fmt.Errorf("batch %d item %d: status %d", k, j, it.Status)
					return
				}
				if answers[from+j], err = json.Marshal(it.Entry); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	seen := map[int64]int{}
	for i, a := range answers {
		id, e := oneEntry(t, a)
		checkEntry(t, l, id, e)
		if !bytes.Equal(mustBody(t, e), canonicalOf(t, entries[i])) {
			t.Errorf("entry %d: the answer is for another entry (index %d)", i, *e.LogIndex)
		}
		if j, dup := seen[*e.LogIndex]; dup {
			t.Errorf("entries %d and %d both answered with index %d", j, i, *e.LogIndex)
		}
		seen[*e.LogIndex] = i
	}
	if got := l.Size(); got != uint64(len(entries)) {
		t.Errorf("Size() = %d, want %d", got, len(entries))
	}
	if l.syncs.Load() > l.commits.Load()+1 {
		t.Errorf("%d syncs for %d commits, want at most one per commit (and Open's)", l.syncs.Load(), l.commits.Load())
	}
}

// TestNothingServedBeforeSync: a commit whose sync fails is not answered
// as created, and neither its entry nor its checkpoint is served until a
// later sync puts it on disk.
func TestNothingServedBeforeSync(t *testing.T) {
	l, srv := testLog(t, Config{})
	g := newGen(t)
	var fail atomic.Bool
	l.syncHook = func() error {
		if fail.Load() {
			return errors.New("disk on fire")
		}
		return nil
	}
	fail.Store(true)
	first := entry(t, g, 0)
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", first); r.status != http.StatusInternalServerError {
		t.Fatalf("POST with a failing sync: %d %s, want 500", r.status, r.body)
	}
	if r := call(t, http.MethodGet, srv.URL+"/api/v1/log", nil); !bytes.Contains(r.body, []byte(`"treeSize":0`)) {
		t.Errorf("GET /api/v1/log after a failed sync = %s, want treeSize 0 (the commit is not on disk)", r.body)
	}
	if r := call(t, http.MethodGet, srv.URL+"/api/v1/log/entries?logIndex=0", nil); r.status != http.StatusNotFound {
		t.Errorf("GET entry 0 after a failed sync: %d, want 404", r.status)
	}
	fail.Store(false)
	r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, 1))
	if r.status != http.StatusCreated {
		t.Fatalf("POST after the disk recovered: %d %s, want 201", r.status, r.body)
	}
	id, e := oneEntry(t, r.body)
	checkEntry(t, l, id, e)
	if *e.LogIndex != 1 || l.Size() != 2 {
		t.Errorf("second entry at index %d, size %d; want 1 and 2 (the first was committed, then synced with it)", *e.LogIndex, l.Size())
	}
	// Retrying the first entry finds it.
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", first); r.status != http.StatusConflict {
		t.Errorf("retrying the first entry: %d %.300s, want 409", r.status, r.body)
	}
}

func batchBodyOf(entries [][]byte) []byte {
	return append(append([]byte{'['}, bytes.Join(entries, []byte{','})...), ']')
}

func mustBody(t *testing.T, e models.LogEntryAnon) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(e.Body.(string))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canonicalOf is the body the log stores for a proposed entry.
func canonicalOf(t *testing.T, proposed []byte) []byte {
	t.Helper()
	pe, err := readProposed(bytes.NewReader(proposed))
	if err != nil {
		t.Fatal(err)
	}
	p, err := canonicalize(context.Background(), pe, false)
	if err != nil {
		t.Fatal(err)
	}
	return p.body
}
