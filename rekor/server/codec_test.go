package server

import (
	"bytes"
	"strings"
	"testing"
)

// TestCodecHashedRekord checks that canonical hashedrekord bodies take the
// compact form and decode to the same bytes, and that bodies of any other
// spelling are stored another way and still decode exactly.
func TestCodecHashedRekord(t *testing.T) {
	g := newGen(t)
	p := preparedOf(t, entry(t, g, 1), true)
	var c bodyCodec
	bodies := map[string][]byte{
		"canonical":       p.body,
		"upper-case hash": bytes.Replace(p.body, []byte(g.Digest(1)), []byte(strings.ToUpper(g.Digest(1))), 1),
		"sha512":          bytes.Replace(p.body, []byte(`"sha256"`), []byte(`"sha512"`), 1),
		"other key order": bytes.Replace(p.body, []byte(`{"apiVersion":"0.0.1","kind":"hashedrekord",`), []byte(`{"kind":"hashedrekord","apiVersion":"0.0.1",`), 1),
		"truncated":       p.body[:len(p.body)-3],
	}
	for name, body := range bodies {
		enc, err := c.encode(body)
		if err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
		if compact := enc[0] == bodyHashedRekord; compact != (name == "canonical") {
			t.Errorf("%s: compact form = %v, want %v", name, compact, name == "canonical")
		}
		if name == "canonical" && len(enc) > 220 {
			t.Errorf("canonical: stored %d bytes, want at most 220", len(enc))
		}
		dec, err := c.decode(enc)
		if err != nil || !bytes.Equal(dec, body) {
			t.Errorf("%s: decode(encode(body)) = %q, %v; want %q", name, dec, err, body)
		}
	}
	for _, bad := range [][]byte{{bodyHashedRekord}, {bodyHashedRekord, 1, 2}, append([]byte{bodyHashedRekord}, make([]byte, 40)...)} {
		if _, err := c.decode(bad); err == nil {
			t.Errorf("decode(%x): got no error, want one", bad)
		}
	}
}
