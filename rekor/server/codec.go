package server

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// Entry bodies are stored compressed: raw DEFLATE (RFC 1951) with a preset
// dictionary of the JSON skeleton and common base64 prefixes of the kinds
// this log takes. That halves a hashedrekord body (about 557 to 277 bytes)
// with every body compressed on its own. A stored body starting with '{'
// is plain JSON (canonical bodies always start so); one starting with
// bodyDeflate is compressed. Decoding is exact: the leaf hash is always
// computed over the decoded canonical body.
const bodyDeflate = 0x01

var bodyDict = []byte(`{"apiVersion":"0.0.1","kind":"intoto","spec":{"content":{"envelope":{"payloadType":"application/vnd.in-toto+json","signatures":[{"publicKey":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t","sig":""}]},"hash":{"algorithm":"sha256","value":""},"payloadHash":{"algorithm":"sha256","value":""}}}}` +
	`{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":""},"payloadHash":{"algorithm":"sha256","value":""},"signatures":[{"signature":"","verifier":"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K"}]}}` +
	`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"` +
	`"}},"signature":{"content":"MEUCI","publicKey":{"content":"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FF` +
	`"}}}}`)

// bodyCodec pools DEFLATE writers and readers. Writers are costly to make
// and the GC empties a sync.Pool, so a small fixed set is kept.
type bodyCodec struct {
	once    sync.Once
	writers chan *flate.Writer
	readers sync.Pool
}

func (c *bodyCodec) encode(body []byte) ([]byte, error) {
	c.once.Do(func() { c.writers = make(chan *flate.Writer, 4) })
	var buf bytes.Buffer
	buf.Grow(len(body)/2 + 16)
	buf.WriteByte(bodyDeflate)
	var w *flate.Writer
	select {
	case w = <-c.writers:
		w.Reset(&buf)
	default:
		var err error
		if w, err = flate.NewWriterDict(&buf, flate.BestCompression, bodyDict); err != nil {
			return nil, fmt.Errorf("compressing body: %w", err)
		}
	}
	defer func() {
		select {
		case c.writers <- w:
		default:
		}
	}()
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("compressing body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compressing body: %w", err)
	}
	if buf.Len() >= len(body) {
		return body, nil
	}
	return buf.Bytes(), nil
}

func (c *bodyCodec) decode(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != bodyDeflate {
		return stored, nil
	}
	src := bytes.NewReader(stored[1:])
	r, _ := c.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, bodyDict)
	} else if err := r.(flate.Resetter).Reset(src, bodyDict); err != nil {
		return nil, fmt.Errorf("decompressing body: %w", err)
	}
	defer c.readers.Put(r)
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decompressing body: %w", err)
	}
	return out, nil
}
