//go:build !unix

package loadgen

import "time"

// ProcessCPU returns 0 where getrusage is unavailable: CPU figures read 0.
func ProcessCPU() time.Duration { return 0 }
