package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartupIntegrity damages a stored log in ways the signed checkpoint
// does not cover (SETs, integrated times, the leaf and search indexes,
// SQLite pages) and checks the log refuses to open with a *DamageError,
// or, where only a read can tell, answers that entry 500 naming the
// damage and serves the others.
func TestStartupIntegrity(t *testing.T) {
	g := newGen(t)
	entries := [][]byte{entry(t, g, 0), entry(t, g, 1), entry(t, g, 2)}
	tests := []struct {
		name     string
		damage   string // SQL run on the closed log
		page     bool   // overwrite a database page instead
		wantOpen bool   // the damage shows only on reading entry 1
	}{
		{name: "missing SET", damage: `UPDATE entries SET sets = NULL WHERE idx = 1`},
		{name: "truncated SET", damage: `UPDATE entries SET sets = x'3006' WHERE idx = 1`},
		{name: "zero time", damage: `UPDATE entries SET t = 0 WHERE idx = 1`},
		{name: "leaf row deleted", damage: `DELETE FROM leaves WHERE idx = 2`},
		{name: "leaf row beyond tree", damage: `UPDATE leaves SET idx = 7 WHERE idx = 2`},
		{name: "search key beyond tree", damage: `INSERT INTO idxkeys(k, idx) VALUES(x'00', 99)`},
		{name: "page overwritten", page: true},
		{name: "time changed", damage: `UPDATE entries SET t = t + 1 WHERE idx = 1`, wantOpen: true},
		{name: "SETs swapped", damage: `UPDATE entries SET sets = (SELECT sets FROM entries WHERE idx = 0) WHERE idx = 1`, wantOpen: true},
		{name: "leaf map swapped", damage: `UPDATE leaves SET idx = CASE idx WHEN 0 THEN 1 ELSE 0 END WHERE idx IN (0, 1)`, wantOpen: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l, srv := testLogIn(t, dir)
			var ids []string
			for _, e := range entries {
				r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", e)
				if r.status != http.StatusCreated {
					t.Fatalf("POST = %d %s", r.status, r.body)
				}
				id, _ := oneEntry(t, r.body)
				ids = append(ids, id)
			}
			srv.Close()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tc.page {
				path := filepath.Join(dir, dbFileName)
				b, err := os.ReadFile(path)
				if err != nil || len(b) < 5*4096 {
					t.Fatalf("log.db of %d bytes: %v", len(b), err)
				}
				copy(b[3*4096:4*4096], bytes.Repeat([]byte{0xa5}, 4096))
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				w, _, err := openDB(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.ExecContext(ctx, tc.damage); err != nil {
					t.Fatal(err)
				}
				_ = w.Close()
			}
			l2, err := Open(ctx, Config{Dir: dir})
			if !tc.wantOpen {
				var de *DamageError
				if !errors.As(err, &de) {
					if err == nil {
						_ = l2.Close()
					}
					t.Fatalf("Open() after %q = %v, want a *DamageError", tc.name, err)
				}
				t.Logf("Open() = %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			srv2 := newServer(t, l2)
			if r := call(t, http.MethodGet, srv2.URL+"/api/v1/log/entries/"+ids[1], nil); r.status != http.StatusInternalServerError || !strings.Contains(string(r.body), "damaged") {
				t.Errorf("GET damaged entry 1 by UUID = %d %s, want 500 naming the damage", r.status, r.body)
			}
			if r := call(t, http.MethodGet, srv2.URL+"/api/v1/log/entries?logIndex=2", nil); r.status != http.StatusOK {
				t.Errorf("GET undamaged entry 2 = %d %s, want 200", r.status, r.body)
			}
		})
	}
}

// newServer serves l until the test ends, then closes both.
func newServer(t *testing.T, l *Log) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() { srv.Close(); _ = l.Close() })
	return srv
}
