package demo_test

import (
	"context"
	"testing"

	"github.com/provscope/provscope/demo"
)

// BenchmarkStart measures how long the world takes to be ready (registry,
// log, seeding) in a fresh temporary directory, and reports the time Start
// itself measured as ready-ms.
func BenchmarkStart(b *testing.B) {
	var total float64
	for b.Loop() {
		w, err := demo.Start(context.Background(), demo.Options{})
		if err != nil {
			b.Fatal(err)
		}
		total += float64(w.ReadyIn.Microseconds()) / 1000
		b.StopTimer()
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(total/float64(b.N), "ready-ms")
}

// BenchmarkRestartPersisted measures a restart over a persisted data dir
// (log reopened and checked, world re-seeded, entries found already logged).
func BenchmarkRestartPersisted(b *testing.B) {
	dir := b.TempDir()
	w, err := demo.Start(context.Background(), demo.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	w.Close()
	var total float64
	for b.Loop() {
		w, err := demo.Start(context.Background(), demo.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		total += float64(w.ReadyIn.Microseconds()) / 1000
		b.StopTimer()
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(total/float64(b.N), "ready-ms")
}
