package floor

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
)

// TestStorageFloor: the floor writes exactly the rows the log writes for
// each entry (an entry row, a leaf, two index keys), reports at every slice
// boundary and at the end, and refuses nonsense sizes.
func TestStorageFloor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var slices []int
	if err := StorageFloor(ctx, dir, 1000, 300, 200, 400, func(done int) { slices = append(slices, done) }); err != nil {
		t.Fatal(err)
	}
	if want := []int{400, 800, 1000}; !reflect.DeepEqual(slices, want) {
		t.Errorf("slices reported at %v, want %v", slices, want)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "log.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, want := range map[string]int{"entries": 1000, "leaves": 1000, "idxkeys": 2000} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
	var bodyLen int
	if err := db.QueryRowContext(ctx, `SELECT MIN(LENGTH(body)) FROM entries`).Scan(&bodyLen); err != nil || bodyLen != 200 {
		t.Errorf("stored bodies are %d bytes (%v), want 200", bodyLen, err)
	}
	if err := StorageFloor(ctx, t.TempDir(), 10, 0, 200, 5, func(int) {}); err == nil {
		t.Error("StorageFloor with 0 entries per transaction succeeded, want an error")
	}
}
