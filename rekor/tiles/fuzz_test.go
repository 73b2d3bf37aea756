package tiles

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/provscope/provscope/proof"
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

// FuzzParseCheckpointSize: what it accepts is the note's first line and a
// canonical decimal second line (it prints back the same), and it accepts
// every checkpoint body proof.ParseCheckpoint accepts, with the same origin
// and size (differential against the strict parser).
func FuzzParseCheckpointSize(f *testing.F) {
	f.Add([]byte("example.com/log\n3\nAAAA\n\n— x y\n"))
	f.Add([]byte("o\n007\nr\n"))
	f.Add([]byte("o\n+7\nr\n"))
	f.Add([]byte("example.com/log\n18446744073709551615\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		origin, size, err := ParseCheckpointSize(b)
		if err == nil {
			lines := strings.SplitN(string(b), "\n", 3)
			if len(lines) < 3 || origin != lines[0] || strconv.FormatUint(size, 10) != lines[1] {
				t.Fatalf("ParseCheckpointSize(%q) = %q, %d: not the note's first line and canonical size line", b, origin, size)
			}
		}
		body := b
		if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
			body = b[:i+1]
		}
		c, perr := proof.ParseCheckpoint(body)
		if perr != nil {
			return
		}
		if err != nil || origin != c.Origin || size != c.Size {
			t.Fatalf("ParseCheckpointSize(%q) = %q, %d, %v; proof.ParseCheckpoint says %q, %d", b, origin, size, err, c.Origin, c.Size)
		}
	})
}
