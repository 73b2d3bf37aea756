package loadgen

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFloorReportsEveryPart runs the floor with a stand-in for the storage
// part and checks what it prints: each part, a line per storage slice,
// and a total that is the sum of the parts with the last slice's storage
// cost.
func TestFloorReportsEveryPart(t *testing.T) {
	var out bytes.Buffer
	burn := func(d time.Duration) {
		for start := ProcessCPU(); ProcessCPU()-start < d; {
			_ = strings.Repeat("x", 1024)
		}
	}
	err := Floor(context.Background(), FloorOptions{
		StorageFloor: func(_ context.Context, _ string, n, perTx, bodyLen, every int, slice func(int)) error {
			if n != 100 || perTx != 7 || bodyLen != 200 || every != 10 {
				t.Errorf("storage floor called with n %d, perTx %d, bodyLen %d, every %d; want 100, 7, 200, 10", n, perTx, bodyLen, every)
			}
			for done := every; done <= n; done += every {
				burn(time.Duration(done/every) * time.Millisecond) // a slower slice each time
				slice(done)
			}
			return nil
		},
		BatchEntries: [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)},
		BatchAnswer:  []byte(`[{"status":201},{"status":201}]`),
		Size:         100, PerTx: 7, BodyLen: 200, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"ECDSA P-256 (crypto/ecdsa): verify ", "HTTP over loopback, batches of 2 at concurrency 8", "entries 0-10, 7 per transaction", "entries 10-20,", "entries 90-100,"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	m := regexp.MustCompile(`floor per entry at 100 entries: ([0-9.]+) \+ ([0-9.]+) \+ ([0-9.]+) \+ ([0-9.]+) = ([0-9.]+) µs`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no total line in:\n%s", s)
	}
	var parts [5]float64
	for i := range parts {
		parts[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	if sum := parts[0] + parts[1] + parts[2] + parts[3]; sum < parts[4]-0.2 || sum > parts[4]+0.2 {
		t.Errorf("total %.1f is not the sum of its parts (%.1f)", parts[4], sum)
	}
	// The last slice burned 10 ms over 10 entries: about 1,000 µs each.
	if parts[3] < 950 {
		t.Errorf("storage part %.1f µs, want the last slice's cost (about 1,000 µs per entry)", parts[3])
	}
	if parts[0] <= 0 || parts[1] <= 0 || parts[2] <= 0 {
		t.Errorf("ECDSA and HTTP parts %v, want positive costs", parts[:3])
	}
}

func TestFloorStopsOnStorageError(t *testing.T) {
	broken := errors.New("disk gone")
	err := Floor(context.Background(), FloorOptions{
		StorageFloor: func(context.Context, string, int, int, int, int, func(int)) error { return broken },
		BatchEntries: [][]byte{[]byte(`{}`)},
		BatchAnswer:  []byte(`[{"status":201}]`),
		Size:         10, PerTx: 1, BodyLen: 1, Out: &bytes.Buffer{},
	})
	if !errors.Is(err, broken) {
		t.Errorf("Floor = %v, want the storage error", err)
	}
}
