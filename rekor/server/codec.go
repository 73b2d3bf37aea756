package server

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
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
//
// A hashedrekord 0.0.1 body with a SHA-256 hash is stored more compactly
// still, and at a tenth of the CPU: bodyHashedRekord, then the 32 hash
// bytes, the raw signature and the DER of the PEM public key or
// certificate (see encodeHashedRekord). About 200 bytes a body.
const (
	bodyDeflate      = 0x01
	bodyHashedRekord = 0x02
)

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
	if b, ok := encodeHashedRekord(body); ok {
		return b, nil
	}
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
	if len(stored) > 0 && stored[0] == bodyHashedRekord {
		return decodeHashedRekord(stored)
	}
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

// The canonical hashedrekord 0.0.1 body with a SHA-256 hash is exactly
// hrPrefix, 64 lower-case hex digits, hrSig, the base64 signature, hrKey,
// the base64 PEM of the key or certificate, hrEnd (RFC 8785 key order).
const (
	hrPrefix = `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"`
	hrSig    = `"}},"signature":{"content":"`
	hrKey    = `","publicKey":{"content":"`
	hrEnd    = `"}}}}`
)

// pemTypes are the PEM block types encodeHashedRekord keeps as one byte.
var pemTypes = []string{"PUBLIC KEY", "CERTIFICATE"}

// encodeHashedRekord returns the compact form of a hashedrekord body:
// bodyHashedRekord, 32 hash bytes, uvarint length + signature, PEM type
// byte, uvarint length + DER. ok is false when body is not exactly of the
// shape decodeHashedRekord rebuilds (checked by decoding it again), and
// the caller stores it another way.
func encodeHashedRekord(body []byte) (out []byte, ok bool) {
	rest, ok := bytes.CutPrefix(body, []byte(hrPrefix))
	if !ok || len(rest) < 64 {
		return nil, false
	}
	var digest [32]byte
	if _, err := hex.Decode(digest[:], rest[:64]); err != nil {
		return nil, false
	}
	rest, ok = bytes.CutPrefix(rest[64:], []byte(hrSig))
	if !ok {
		return nil, false
	}
	sigB64, rest, ok := bytes.Cut(rest, []byte(hrKey))
	if !ok {
		return nil, false
	}
	keyB64, ok := bytes.CutSuffix(rest, []byte(hrEnd))
	if !ok {
		return nil, false
	}
	sig, err := base64.StdEncoding.DecodeString(string(sigB64))
	if err != nil {
		return nil, false
	}
	keyPEM, err := base64.StdEncoding.DecodeString(string(keyB64))
	if err != nil {
		return nil, false
	}
	block, tail := pem.Decode(keyPEM)
	if block == nil || len(tail) != 0 || len(block.Headers) != 0 {
		return nil, false
	}
	typ := -1
	for i, t := range pemTypes {
		if block.Type == t {
			typ = i
		}
	}
	if typ < 0 {
		return nil, false
	}
	out = make([]byte, 0, 1+32+2*binary.MaxVarintLen64+len(sig)+1+len(block.Bytes))
	out = append(out, bodyHashedRekord)
	out = append(out, digest[:]...)
	out = binary.AppendUvarint(out, uint64(len(sig)))
	out = append(out, sig...)
	out = append(out, byte(typ))
	out = binary.AppendUvarint(out, uint64(len(block.Bytes)))
	out = append(out, block.Bytes...)
	if back, err := decodeHashedRekord(out); err != nil || !bytes.Equal(back, body) {
		return nil, false // not the one canonical spelling: keep it verbatim
	}
	return out, true
}

var errBadHashedRekord = errors.New("decoding stored hashedrekord body: truncated or malformed")

// decodeHashedRekord rebuilds the canonical body encodeHashedRekord stored.
func decodeHashedRekord(b []byte) ([]byte, error) {
	if len(b) < 1+32 || b[0] != bodyHashedRekord {
		return nil, errBadHashedRekord
	}
	digest, rest := b[1:33], b[33:]
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) { //nolint:gosec // 0 < k <= len(rest)
			return nil, false
		}
		f := rest[k : k+int(n)] //nolint:gosec // n <= len(rest)
		rest = rest[k+int(n):]  //nolint:gosec // n <= len(rest)
		return f, true
	}
	sig, ok := field()
	if !ok || len(rest) < 1 || int(rest[0]) >= len(pemTypes) {
		return nil, errBadHashedRekord
	}
	typ := pemTypes[rest[0]]
	rest = rest[1:]
	der, ok := field()
	if !ok || len(rest) != 0 {
		return nil, errBadHashedRekord
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	out := make([]byte, 0, len(hrPrefix)+64+len(hrSig)+base64.StdEncoding.EncodedLen(len(sig))+len(hrKey)+base64.StdEncoding.EncodedLen(len(keyPEM))+len(hrEnd))
	out = append(out, hrPrefix...)
	out = hex.AppendEncode(out, digest)
	out = append(out, hrSig...)
	out = base64.StdEncoding.AppendEncode(out, sig)
	out = append(out, hrKey...)
	out = base64.StdEncoding.AppendEncode(out, keyPEM)
	out = append(out, hrEnd...)
	return out, nil
}
