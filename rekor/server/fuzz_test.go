package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{"0/000", "1/x001/234", "entries/x123/456.p/7", "0/001.p/255", "0/001.p/0", "x/000", "0/1", "0/x1/000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		level, n, w, err := parseTilePath(p)
		if err != nil {
			return
		}
		if level < -1 || level > 63 || w < 0 || w >= tileWidth {
			t.Errorf("parseTilePath(%q) = (%d, %d, %d), out of range", p, level, n, w)
		}
	})
}

func FuzzBodyCodec(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}`))
	f.Add([]byte{bodyDeflate, 0xff, 0x00})
	f.Add([]byte{})
	var c bodyCodec
	f.Fuzz(func(t *testing.T, b []byte) {
		// Decoding arbitrary stored bytes must not panic.
		_, _ = c.decode(b)
		if len(b) > 0 && (b[0] == bodyDeflate || b[0] == bodyHashedRekord) {
			return // not a body this log would store raw
		}
		enc, err := c.encode(b)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.decode(enc)
		if err != nil || !bytes.Equal(dec, b) {
			t.Errorf("decode(encode(%q)) = %q, %v", b, dec, err)
		}
	})
}

// FuzzCreateEntry posts arbitrary bodies: the log never panics, never
// answers 5xx, and stores nothing unless it answers 201.
func FuzzCreateEntry(f *testing.F) {
	f.Add([]byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{}}`))
	f.Add([]byte(`{"kind":"dsse","apiVersion":"0.0.1","spec":{"proposedContent":{"envelope":"{}","verifiers":["AA=="]}}}`))
	f.Add([]byte(`{"kind":"intoto","apiVersion":"0.0.2","spec":{"content":{"envelope":{}}}}`))
	f.Add([]byte(`[1,2`))
	l, err := Open(context.Background(), Config{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	h := l.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := l.Size()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/log/entries", bytes.NewReader(body)))
		if rec.Code >= 500 {
			t.Errorf("POST %q = %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusCreated && l.Size() != before {
			t.Errorf("POST %q = %d but the log grew from %d to %d", body, rec.Code, before, l.Size())
		}
	})
}
