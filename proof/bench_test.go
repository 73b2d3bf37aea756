//go:build unix

package proof

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime"
	"syscall"
	"testing"
)

// cpuClock reports CPU time spent by the benchmark's own thread per
// operation ("cpu-ns/op"), next to the wall-clock ns/op: on a machine shared
// with other jobs the wall clock includes time spent waiting for a CPU.
// It uses RUSAGE_THREAD (Linux); elsewhere the metric is left out.
type cpuClock struct {
	b     *testing.B
	start syscall.Timeval
	ok    bool
}

const rusageThread = 1 // RUSAGE_THREAD on Linux

func startCPU(b *testing.B) *cpuClock {
	runtime.LockOSThread()
	c := &cpuClock{b: b}
	var ru syscall.Rusage
	if runtime.GOOS == "linux" && syscall.Getrusage(rusageThread, &ru) == nil {
		c.start, c.ok = ru.Utime, true
		c.start.Sec += ru.Stime.Sec
		c.start.Usec += ru.Stime.Usec
	}
	b.ResetTimer()
	return c
}

func (c *cpuClock) stop() {
	c.b.StopTimer()
	defer runtime.UnlockOSThread()
	var ru syscall.Rusage
	if !c.ok || syscall.Getrusage(rusageThread, &ru) != nil || c.b.N == 0 {
		return
	}
	end := ru.Utime
	end.Sec += ru.Stime.Sec
	end.Usec += ru.Stime.Usec
	ns := (end.Sec-c.start.Sec)*1e9 + (end.Usec-c.start.Usec)*1e3
	c.b.ReportMetric(float64(ns)/float64(c.b.N), "cpu-ns/op")
}

// benchTreeSize is the tree size the inclusion benchmarks use (the target is
// at most 10 µs per verification at this size: about 24 hashes).
const benchTreeSize = 10_000_000

// syntheticProof builds a structurally valid inclusion proof for index in a
// tree of size from random sibling hashes, and the root it leads to (the
// root is computed with merkle's own RootFromInclusionProof).
func syntheticProof(b *testing.B, index, size uint64) (leaf []byte, hashes [][]byte, root []byte) {
	b.Helper()
	inner, border := decompInclProof(index, size)
	leaf = make([]byte, 32)
	_, _ = rand.Read(leaf)
	for i := 0; i < inner+border; i++ {
		h := make([]byte, 32)
		_, _ = rand.Read(h)
		hashes = append(hashes, h)
	}
	tr, err := TraceInclusion(index, size, leaf, hashes, nil)
	if tr == nil {
		b.Fatalf("building proof: %v", err)
	}
	return leaf, hashes, tr.Computed
}

func BenchmarkVerifyInclusion10M(b *testing.B) {
	idx := uint64(benchTreeSize / 3)
	leaf, hashes, root := syntheticProof(b, idx, benchTreeSize)
	b.ReportMetric(float64(len(hashes)), "hashes")
	c := startCPU(b)
	for i := 0; i < b.N; i++ {
		if err := VerifyInclusion(idx, benchTreeSize, leaf, hashes, root); err != nil {
			b.Fatal(err)
		}
	}
	c.stop()
}

func BenchmarkTraceInclusion10M(b *testing.B) {
	idx := uint64(benchTreeSize / 3)
	leaf, hashes, root := syntheticProof(b, idx, benchTreeSize)
	c := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := TraceInclusion(idx, benchTreeSize, leaf, hashes, root); err != nil {
			b.Fatal(err)
		}
	}
	c.stop()
}

// syntheticConsistency builds a consistency proof between sizes from
// random hashes of the right count, and the two roots it leads to.
func syntheticConsistency(b *testing.B, size1, size2 uint64) (hashes [][]byte, root1, root2 []byte) {
	b.Helper()
	for i := 0; i < consistencyLen(size1, size2); i++ {
		h := make([]byte, 32)
		_, _ = rand.Read(h)
		hashes = append(hashes, h)
	}
	tr, err := TraceConsistency(size1, size2, hashes, nil, nil)
	if tr == nil {
		b.Fatalf("building proof: %v", err)
	}
	return hashes, tr.Computed1, tr.Computed2
}

func BenchmarkVerifyConsistency(b *testing.B) {
	const size1 = 7_654_321
	p, r1, r2 := syntheticConsistency(b, size1, benchTreeSize)
	b.ReportMetric(float64(len(p)), "hashes")
	b.Run("verify", func(b *testing.B) {
		c := startCPU(b)
		for i := 0; i < b.N; i++ {
			if err := VerifyConsistency(size1, benchTreeSize, p, r1, r2); err != nil {
				b.Fatal(err)
			}
		}
		c.stop()
	})
	b.Run("trace", func(b *testing.B) {
		c := startCPU(b)
		for i := 0; i < b.N; i++ {
			if _, err := TraceConsistency(size1, benchTreeSize, p, r1, r2); err != nil {
				b.Fatal(err)
			}
		}
		c.stop()
	})
}

func BenchmarkVerifyCheckpoint(b *testing.B) {
	edS, edK := ed25519Signer(b, "example.com/log")
	v1 := newRekorV1Signer(b, "rekor.example.dev")
	body := fmt.Sprintf("rekor.example.dev - 1193050959916656506\n%d\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nTimestamp: 1\n", benchTreeSize)
	for _, c := range []struct {
		name string
		msg  []byte
		key  NoteKey
	}{
		{"ecdsa-p256", signNote(b, body, v1), v1.logKey(b)},
		{"ed25519", signNote(b, body, edS), edK},
	} {
		b.Run(c.name, func(b *testing.B) {
			clk := startCPU(b)
			for i := 0; i < b.N; i++ {
				if _, err := VerifyCheckpoint(c.msg, []NoteKey{c.key}, CheckpointOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			clk.stop()
		})
	}
}

func BenchmarkVerifySET(b *testing.B) {
	s := newRekorV1Signer(b, "rekor.example.dev")
	fp, _ := KeyFingerprint(&s.priv.PublicKey)
	p := SETPayload{Body: make([]byte, 1000), IntegratedTime: 1700000000, LogID: fp, LogIndex: 59674396}
	set := signSET(b, s.priv, p)
	c := startCPU(b)
	for i := 0; i < b.N; i++ {
		if err := VerifySET(set, p, &s.priv.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
	c.stop()
}

func BenchmarkVerifyEntry(b *testing.B) {
	bodies := testBodies(100)
	l := newTestLog(b, bodies)
	_, js := l.anon(b, bodies[42], 42)
	raw := mustJSON(b, js)
	c := startCPU(b)
	defer c.stop()
	for i := 0; i < b.N; i++ {
		es, err := ParseEntryResponse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if r := VerifyEntry(es[0], LogKeys{Public: &l.signer.priv.PublicKey}, EntryOptions{}); r.FirstFailure() != nil {
			b.Fatal(r.Reason())
		}
	}
}

func mustJSON(b *testing.B, v any) []byte {
	b.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkNodeHashBaseline24 is the floor for an inclusion proof in a tree
// of 10,000,000 leaves: 24 RFC 6962 node hashes and nothing else. Compare
// the other figures with it when the machine is loaded.
func BenchmarkNodeHashBaseline24(b *testing.B) {
	l, r := make([]byte, 32), make([]byte, 32)
	c := startCPU(b)
	for i := 0; i < b.N; i++ {
		h := l
		for j := 0; j < 24; j++ {
			h = NodeHash(h, r)
		}
	}
	c.stop()
}
