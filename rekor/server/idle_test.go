package server

import (
	"fmt"
	"net/http"
	"testing"
)

// TestTrimMemoryKeepsServing trims the log's memory as the idle sequencer
// does (tile cache, read connections, page caches) between reads and
// writes: everything is still served and verifies.
func TestTrimMemoryKeepsServing(t *testing.T) {
	g := newGen(t)
	l, srv := testLog(t, Config{})
	var ids []string
	for i := range 300 { // more than one full tile, so the cache is used
		r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, i))
		if r.status != http.StatusCreated {
			t.Fatalf("POST %d = %d %s", i, r.status, r.body)
		}
		id, _ := oneEntry(t, r.body)
		ids = append(ids, id)
	}
	read := func() {
		t.Helper()
		for _, i := range []int{0, 255, 299} {
			r := call(t, http.MethodGet, fmt.Sprintf("%s/api/v1/log/entries?logIndex=%d", srv.URL, i), nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %d = %d %s", i, r.status, r.body)
			}
			id, e := oneEntry(t, r.body)
			if id != ids[i] {
				t.Errorf("GET %d: id %s, want %s", i, id, ids[i])
			}
			checkEntry(t, l, id, e)
		}
	}
	read()
	if l.tiles.get(0, 0) == nil {
		t.Fatal("tile 0/0 not cached after reads")
	}
	l.trimMemory()
	if l.tiles.get(0, 0) != nil {
		t.Error("tile 0/0 still cached after trimMemory")
	}
	read()
	r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, 300))
	if r.status != http.StatusCreated {
		t.Fatalf("POST after trim = %d %s", r.status, r.body)
	}
	id, e := oneEntry(t, r.body)
	checkEntry(t, l, id, e)
}
