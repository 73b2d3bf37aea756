package tiles

import (
	"encoding/binary"
	"testing"
)

// FuzzParseBundle round-trips entry bundles: whatever parses re-encodes to
// the same bytes, and nothing panics.
func FuzzParseBundle(f *testing.F) {
	f.Add([]byte{0, 1, 'a', 0, 2, 'b', 'c'})
	f.Add([]byte{0})
	f.Add([]byte{0xff, 0xff, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseBundle(b)
		if err != nil {
			return
		}
		var out []byte
		for _, e := range entries {
			out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
			out = append(out, e...)
		}
		if string(out) != string(b) {
			t.Fatalf("ParseBundle(%x) re-encodes to %x", b, out)
		}
	})
}

// FuzzParseCheckpointSize never panics and accepts only decimal sizes that
// print back the same.
func FuzzParseCheckpointSize(f *testing.F) {
	f.Add([]byte("example.com/log\n3\nAAAA\n\n— x y\n"))
	f.Add([]byte("o\n007\nr\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = ParseCheckpointSize(b)
	})
}
