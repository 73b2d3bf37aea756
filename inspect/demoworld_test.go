package inspect

import (
	"context"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/rekor/logs"
)

// startDemo starts the demo world for one test or benchmark, closed when
// it ends, and opens its log with the log key.
func startDemo(tb testing.TB) (*demo.World, *Log) {
	tb.Helper()
	w := startDemoWorld(tb)
	l, err := OpenLog(context.Background(), logs.Log{URL: w.LogURL}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		tb.Fatal(err)
	}
	return w, l
}

// startDemoWorld starts the demo world, closed when the test ends.
func startDemoWorld(tb testing.TB) *demo.World {
	tb.Helper()
	w, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		tb.Fatalf("starting the demo world: %v", err)
	}
	tb.Cleanup(func() { _ = w.Close() })
	return w
}

// demoCase returns the world's case named name and the PEM public key it is
// signed with (nil for none).
func demoCase(tb testing.TB, w *demo.World, name string) (demo.Case, []byte) {
	tb.Helper()
	for _, c := range w.Cases {
		if c.Name == name {
			k, _ := w.Key(c.Key)
			return c, k.PublicKeyPEM
		}
	}
	tb.Fatalf("the demo world has no case %q", name)
	return demo.Case{}, nil
}
