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
	// A fixed amount of work rather than a wall-clock deadline: the CPU time
	// it takes (tens of milliseconds) does not depend on how busy the
	// machine is, so 1ms is a bound on the hardware, not on the load.
	sum := sha256.Sum256(nil)
	for range 1 << 18 {
		sum = sha256.Sum256(sum[:])
	}
	if got := ProcessCPU() - start; got < time.Millisecond {
		t.Errorf("ProcessCPU advanced %v over 2^18 SHA-256 hashes (last %x), want at least 1ms", got, sum[:4])
	}
}
