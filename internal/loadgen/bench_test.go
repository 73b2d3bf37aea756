package loadgen

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestWriteCostCeiling(t *testing.T) {
	c := writeCost{server: 246 * time.Millisecond, client: 32 * time.Millisecond, n: 1000}
	cpus := runtime.NumCPU()
	if got, want := c.ceiling(), float64(cpus)*1e6/(246+32); got < want-0.5 || got > want+0.5 {
		t.Errorf("ceiling() = %.1f, want %.1f", got, want)
	}
	if s, want := c.String(), fmt.Sprintf("%d × 10^6 / (246 + 32)", cpus); !strings.Contains(s, want) {
		t.Errorf("String() = %q, want it to contain %q", s, want)
	}
	if rows := c.rows(); len(rows) != 3 || rows[0].value != "246 µs" || rows[1].value != "32 µs" {
		t.Errorf("rows() = %+v, want server 246 µs, generator 32 µs and the ceiling", rows)
	}
}

// TestProcessCPUAdvances: burning CPU shows in ProcessCPU (where the
// platform reports it), so the load generator's CPU per entry is real.
func TestProcessCPUAdvances(t *testing.T) {
	start := ProcessCPU()
	if start == 0 {
		t.Skip("ProcessCPU is unavailable on this platform")
	}
	sum := sha256.Sum256(nil)
	for deadline := time.Now().Add(10 * time.Second); ProcessCPU()-start < 20*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("ProcessCPU advanced %v in 10 s of hashing, want at least 20ms", ProcessCPU()-start)
		}
		for range 1000 {
			sum = sha256.Sum256(sum[:])
		}
	}
}
