package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
// clients at once, committed in shared transactions (group commit), each
// get the answer for their own entry, with a distinct index, and nothing
// is lost.
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
				if err != nil {
					errs <- fmt.Errorf("entry %d: %w", i, err)
					return
				}
				if code != http.StatusCreated {
					errs <- fmt.Errorf("entry %d: status %d: %s", i, code, b)
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
			if err != nil {
				errs <- fmt.Errorf("batch %d: %w", k, err)
				return
			}
			if code != http.StatusMultiStatus {
				errs <- fmt.Errorf("batch %d: status %d: %s", k, code, b)
				return
			}
			var items []BatchItem
			if err := json.Unmarshal(b, &items); err != nil {
				errs <- fmt.Errorf("batch %d: decoding: %w", k, err)
				return
			}
			if len(items) != batchSize {
				errs <- fmt.Errorf("batch %d: %d items, want %d", k, len(items), batchSize)
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
		if !bytes.Equal(mustBody(t, e), preparedOf(t, entries[i], false).body) {
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

// preparedOf validates and canonicalises a proposed entry as the log does
// on submit.
func preparedOf(t *testing.T, proposed []byte, forInsert bool) *prepared {
	t.Helper()
	pe, err := readProposed(bytes.NewReader(proposed))
	if err != nil {
		t.Fatal(err)
	}
	p, err := canonicalize(context.Background(), pe, forInsert)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
